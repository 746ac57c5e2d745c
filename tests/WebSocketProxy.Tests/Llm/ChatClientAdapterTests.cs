using WebSocketProxy.Testing;
using System.ClientModel;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using static WebSocketProxy.Tests.Llm.AdapterRun;

namespace WebSocketProxy.Tests.Llm;

public sealed class ChatClientAdapterTests
{
    [Fact]
    public async Task StreamAsync_ReasoningTextAndFunctionCall_TypedParts()
    {
        var chat = new ScriptedChatClient(
            new ChatResponseUpdate { Contents = [new TextReasoningContent("Need the weather.")] },
            new ChatResponseUpdate(ChatRole.Assistant, "Checking."),
            new ChatResponseUpdate
            {
                Contents = [new FunctionCallContent("call_9", "get_weather", new Dictionary<string, object?> { ["location"] = "Paris", ["days"] = 2 })],
                FinishReason = ChatFinishReason.ToolCalls,
            });

        var events = await RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(LlmPartType.Reasoning, "reasoning", null, "Need the weather."),
            new AssembledPart(LlmPartType.Text, "text", null, "Checking."),
            new AssembledPart(LlmPartType.ToolCall, "call_9", "get_weather", """{"location":"Paris","days":2}"""));
        events[^1].FinishReason.Should().Be("tool_calls");
    }

    [Fact]
    public async Task StreamAsync_RefusalAsTheOpenAIClientReportsIt_RefusalPartNotAnError()
    {
        // What Microsoft.Extensions.AI.OpenAI yields for a streamed delta.refusal: ErrorContent with ErrorCode "Refusal".
        var chat = new ScriptedChatClient(
            new ChatResponseUpdate { Contents = [new ErrorContent("I'm sorry, I can't help with that.") { ErrorCode = "Refusal" }], FinishReason = ChatFinishReason.Stop },
            new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 24, OutputTokenCount = 9, TotalTokenCount = 33 })] });

        var events = await RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.Refusal, "refusal", null, "I'm sorry, I can't help with that."));
        events.Should().NotContain(e => e.Kind == LlmStreamEventKind.Error);
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
    }

    [Fact]
    public async Task StreamAsync_ContentFilterFinish_ReportedAsContentFilter()
    {
        var chat = new ScriptedChatClient(new ChatResponseUpdate(ChatRole.Assistant, "Partial") { FinishReason = ChatFinishReason.ContentFilter });

        var events = await RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        events[^1].FinishReason.Should().Be("content_filter");
    }

    [Fact]
    public async Task StreamAsync_ContentButNoFinishReason_FinishesUnknownNotStop()
    {
        var chat = new ScriptedChatClient(new ChatResponseUpdate(ChatRole.Assistant, "Half an answer"));

        var events = await RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("unknown", "the client never said the answer was complete");
    }

    [Fact]
    public async Task StreamAsync_NothingAndNoFinishReason_Error()
    {
        var chat = new ScriptedChatClient(new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 3 })] });

        var events = await RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        events[^1].Kind.Should().Be(LlmStreamEventKind.Error, "an empty stream is not an empty success");
    }

    [Fact]
    public async Task StreamAsync_ToolsChoiceImagesAndToolHistory_MappedToChatOptionsAndContents()
    {
        var chat = new ScriptedChatClient(new ChatResponseUpdate(ChatRole.Assistant, "ok") { FinishReason = ChatFinishReason.Stop });
        var request = ChatRequest(
            [
                new("user", "Look") { Parts = [LlmContentPart.FromText("Look"), LlmContentPart.FromImageUrl("https://example.com/a.png"), LlmContentPart.FromImageUrl("data:image/png;base64,iVBORw0KGgo=")] },
                new("assistant", string.Empty) { ToolCalls = [new LlmToolCall("call_1", "get_weather", """{"location":"Paris"}""")] },
                new("tool", "18°C") { ToolCallId = "call_1" },
            ],
            [new LlmTool { Name = "get_weather", Description = "Weather.", Parameters = JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}}}""").RootElement.Clone() }],
            LlmToolChoice.Function("get_weather"));

        await RunAsync(Adapter(chat), request, TestContext.Current.CancellationToken);

        var declaration = chat.Options!.Tools!.Should().ContainSingle().Which.Should().BeAssignableTo<AIFunctionDeclaration>().Subject;
        declaration.Name.Should().Be("get_weather");
        declaration.JsonSchema.GetProperty("properties").TryGetProperty("location", out _).Should().BeTrue();
        chat.Options.ToolMode.Should().BeOfType<RequiredChatToolMode>().Which.RequiredFunctionName.Should().Be("get_weather");
        var contents = chat.Messages[0].Contents;
        contents[0].Should().BeOfType<TextContent>().Which.Text.Should().Be("Look");
        contents[1].Should().BeOfType<UriContent>().Which.Uri.Should().Be(new Uri("https://example.com/a.png"));
        contents[2].Should().BeOfType<DataContent>().Which.MediaType.Should().Be("image/png");
        var call = chat.Messages[1].Contents.Should().ContainSingle().Which.Should().BeOfType<FunctionCallContent>().Subject;
        call.CallId.Should().Be("call_1");
        call.Arguments!["location"].Should().BeOfType<JsonElement>().Which.GetString().Should().Be("Paris");
        chat.Messages[2].Role.Should().Be(ChatRole.Tool);
        chat.Messages[2].Contents.Should().ContainSingle().Which.Should().BeOfType<FunctionResultContent>().Which.CallId.Should().Be("call_1");
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, 400)]
    [InlineData(HttpStatusCode.TooManyRequests, 429)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 503)]
    public async Task StreamAsync_HttpRequestExceptionWithStatus_UpstreamExceptionWithThatStatus(HttpStatusCode status, int expected)
    {
        var chat = new ScriptedChatClient(new HttpRequestException("boom", null, status));

        var act = () => RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<LlmUpstreamException>()).Which.StatusCode.Should().Be(expected);
    }

    [Fact]
    public async Task StreamAsync_ExceptionMidStream_Classified()
    {
        var chat = new ScriptedChatClient(new ChatResponseUpdate(ChatRole.Assistant, "Hi")) { ThrowAfter = new TimeoutException("slow") };

        var act = () => RunAsync(Adapter(chat), ChatRequest(), TestContext.Current.CancellationToken);

        var ex = (await act.Should().ThrowAsync<LlmUpstreamException>()).Which;
        ex.StatusCode.Should().BeNull("a timeout of the client's own is not an HTTP status");
        ex.InnerException.Should().BeOfType<TimeoutException>();
    }

    [Fact]
    public void Classify_ClientResultException_StatusProviderCodeAndRetryAfter()
    {
        var ex = new ClientResultException(new FakePipelineResponse(429, """{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}""", ("retry-after", "7")));

        var upstream = ChatClientAdapter.Classify(ex, CancellationToken.None);

        upstream.Should().NotBeNull();
        upstream!.StatusCode.Should().Be(429);
        upstream.ProviderCode.Should().Be("rate_limit_exceeded");
        upstream.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
        upstream.Message.Should().Be("Rate limit reached");
    }

    [Fact]
    public void Classify_OurCancellation_LeftAlone()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        ChatClientAdapter.Classify(new OperationCanceledException(cts.Token), cts.Token).Should().BeNull();
        ChatClientAdapter.Classify(new TaskCanceledException("HttpClient.Timeout"), CancellationToken.None).Should().NotBeNull("the SDK's own timeout is an upstream failure");
        ChatClientAdapter.Classify(new InvalidOperationException(), CancellationToken.None).Should().BeNull();
    }

    private static ChatClientAdapter Adapter(IChatClient chat)
    {
        var services = new ServiceCollection().AddKeyedSingleton("mai", chat).BuildServiceProvider();
        return new ChatClientAdapter(services);
    }

    private static LlmRequest ChatRequest(IReadOnlyList<LlmMessage>? messages = null, IReadOnlyList<LlmTool>? tools = null, LlmToolChoice? choice = null) => new()
    {
        ProviderName = "mai",
        Provider = new LlmProviderConfig { Type = LlmAdapterNames.ChatClient },
        Model = "m",
        Messages = messages ?? [new("user", "Hello")],
        Tools = tools,
        ToolChoice = choice,
    };

    private sealed class ScriptedChatClient : IChatClient
    {
        private readonly ChatResponseUpdate[] _updates;
        private readonly Exception? _throw;

        public ScriptedChatClient(params ChatResponseUpdate[] updates)
        {
            _updates = updates;
        }

        public ScriptedChatClient(Exception exception)
        {
            _updates = [];
            _throw = exception;
        }

        public Exception? ThrowAfter { get; init; }

        public ChatOptions? Options { get; private set; }

        public List<ChatMessage> Messages { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Options = options;
            Messages.AddRange(messages);
            await Task.Yield();
            if (_throw is not null)
            {
                throw _throw;
            }

            foreach (var update in _updates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return update;
            }

            if (ThrowAfter is not null)
            {
                throw ThrowAfter;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
