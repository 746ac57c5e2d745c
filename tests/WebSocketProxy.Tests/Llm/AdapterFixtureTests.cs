using System.Text;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Tests.Llm;

public sealed class AdapterFixtureTests
{
    public static TheoryData<int[]> Chunkings => new() { new[] { 1 }, LoopbackUpstream.AwkwardChunks, new[] { 4096 } };

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIChat_Fixture_TextUsageAndFinish(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        Text(events).Should().Be("Hi, how are you?");
        var usage = Usage(events);
        usage.Should().BeEquivalentTo(new LlmUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, CachedTokens = 0 });
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("stop");
        var request = upstream.Requests.Single();
        request.Path.Should().Be("/v1/chat/completions");
        request.Headers["Authorization"].Should().Be("Bearer sk-test");
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("stream").GetBoolean().Should().BeTrue();
        body.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean().Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIChat_MidStreamError_YieldsErrorAfterPartialText(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-midstream-error.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        Text(events).Should().Be("Partial");
        events[^1].Kind.Should().Be(LlmStreamEventKind.Error);
        events[^1].ErrorMessage.Should().Be("The server had an error while processing your request.");
        events[^1].ErrorCode.Should().Be("server_error");
    }

    [Fact]
    public async Task OpenAIChat_Utf8SplitAcrossChunks_TextIntact()
    {
        var text = new[] { "héllo ", "👋 ", "世界", "—ok" };
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(LoopbackUpstream.OpenAIChatStream(text), "text/event-stream", [1]));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        Text(events).Should().Be("héllo 👋 世界—ok");
        Usage(events).CachedTokens.Should().Be(3);
    }

    [Fact]
    public async Task OpenAIChat_StreamCutBeforeDone_YieldsError()
    {
        var body = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [5]));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        Text(events).Should().Be("Hi");
        events[^1].Kind.Should().Be(LlmStreamEventKind.Error);
    }

    [Fact]
    public async Task OpenAIChat_429BeforeStream_ThrowsWithCodeAndRetryAfter()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(
            "openai-429.json", status: 429, headers: new Dictionary<string, string> { ["retry-after-ms"] = "41724", ["x-ratelimit-reset-tokens"] = "6m0s" }));

        var act = () => RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        var ex = (await act.Should().ThrowAsync<LlmUpstreamException>()).Which;
        ex.StatusCode.Should().Be(429);
        ex.ProviderCode.Should().Be("rate_limit_exceeded");
        ex.RetryAfter.Should().Be(TimeSpan.FromMilliseconds(41724));
        ex.Message.Should().StartWith("Rate limit reached");
    }

    [Fact]
    public async Task OpenAIChat_429WithOnlyResetHeader_UsesGoDuration()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(
            "openai-429.json", status: 429, headers: new Dictionary<string, string> { ["x-ratelimit-reset-requests"] = "1m30.5s" }));

        var act = () => RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat);

        (await act.Should().ThrowAsync<LlmUpstreamException>()).Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(90.5));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIResponses_Fixture_TextUsageAndFinish(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-responses-stream.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIResponses);

        Text(events).Should().Be("Greetings, hello, hi, hey, salutations!");
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 13, OutputTokens = 12, TotalTokens = 25, CachedTokens = 0 });
        events[^1].FinishReason.Should().Be("stop");
        upstream.Requests.Single().Path.Should().Be("/v1/responses");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Anthropic_Fixture_CumulativeOutputTokensReplaceEarlierFigure(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream.sse", chunkSizes: chunks));

        var events = await RunAsync(new AnthropicMessagesAdapter(HttpFactory()), upstream, LlmAdapterNames.Anthropic, system: true);

        Text(events).Should().Be("Hello!");
        var usage = Usage(events);
        usage.InputTokens.Should().Be(25);
        usage.OutputTokens.Should().Be(15, "message_delta.usage.output_tokens is cumulative, not 1 + 15");
        events[^1].FinishReason.Should().Be("stop");
        var request = upstream.Requests.Single();
        request.Path.Should().Be("/v1/messages");
        request.Headers["x-api-key"].Should().Be("sk-test");
        request.Headers["anthropic-version"].Should().NotBeEmpty();
        using var body = JsonDocument.Parse(request.Body);
        body.RootElement.GetProperty("system").GetString().Should().Be("Be brief.");
        body.RootElement.GetProperty("messages").GetArrayLength().Should().Be(1);
        body.RootElement.GetProperty("max_tokens").GetInt32().Should().Be(100);
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Anthropic_ErrorEventAfter200_YieldsError(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream-error.sse", chunkSizes: chunks));

        var events = await RunAsync(new AnthropicMessagesAdapter(HttpFactory()), upstream, LlmAdapterNames.Anthropic);

        Text(events).Should().Be("Hel");
        events[^1].Kind.Should().Be(LlmStreamEventKind.Error);
        events[^1].ErrorCode.Should().Be("overloaded_error");
        events[^1].ErrorMessage.Should().Be("Overloaded");
        var usage = Usage(events);
        usage.InputTokens.Should().Be(25);
        usage.OutputTokens.Should().BeNull("message_start's output_tokens (1) is a placeholder; without message_delta the gateway estimates from what streamed");
    }

    [Fact]
    public async Task Anthropic_529_ThrowsWithStatusAndRetryAfter()
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "application/json", [3], 529, new Dictionary<string, string> { ["retry-after"] = "7" }));

        var act = () => RunAsync(new AnthropicMessagesAdapter(HttpFactory()), upstream, LlmAdapterNames.Anthropic);

        var ex = (await act.Should().ThrowAsync<LlmUpstreamException>()).Which;
        ex.StatusCode.Should().Be(529);
        ex.ProviderCode.Should().Be("overloaded_error");
        ex.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Ollama_Fixture_TextAndEvalCounts(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("ollama-chat-stream.ndjson", chunkSizes: chunks));

        var events = await RunAsync(new OllamaChatAdapter(HttpFactory()), upstream, LlmAdapterNames.Ollama);

        Text(events).Should().Be("The sky is blue.");
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 26, OutputTokens = 282 });
        events[^1].FinishReason.Should().Be("stop");
        upstream.Requests.Single().Path.Should().Be("/api/chat");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Ollama_ErrorLineWithStatus200_YieldsError(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("ollama-chat-stream-error.ndjson", chunkSizes: chunks));

        var events = await RunAsync(new OllamaChatAdapter(HttpFactory()), upstream, LlmAdapterNames.Ollama);

        Text(events).Should().Be("The");
        events[^1].Kind.Should().Be(LlmStreamEventKind.Error);
        events[^1].ErrorMessage.Should().Be("an error was encountered while running the model");
    }

    [Fact]
    public async Task Ollama_404BeforeStream_ThrowsWithMessage()
    {
        var body = Encoding.UTF8.GetBytes("{\"error\":\"model 'nope' not found\"}");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "application/json", [2], 404));

        var act = () => RunAsync(new OllamaChatAdapter(HttpFactory()), upstream, LlmAdapterNames.Ollama);

        var ex = (await act.Should().ThrowAsync<LlmUpstreamException>()).Which;
        ex.StatusCode.Should().Be(404);
        ex.Message.Should().Be("model 'nope' not found");
    }

    [Fact]
    public async Task Adapter_Cancelled_AbortsUpstreamRequest()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = RunAsync(new OpenAIChatAdapter(HttpFactory()), upstream, LlmAdapterNames.OpenAIChat, cancel: cts);
        await upstream.Received.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var cancelledAt = DateTimeOffset.UtcNow;
        await cts.CancelAsync();

        await FluentActions.Awaiting(() => run).Should().ThrowAsync<OperationCanceledException>();
        var abortedAt = await upstream.Aborted.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        (abortedAt - cancelledAt).Should().BeLessThan(TimeSpan.FromSeconds(1));
    }

    internal static IHttpClientFactory HttpFactory() => AdapterRun.HttpFactory();

    private static Task<List<LlmStreamEvent>> RunAsync(ILlmStreamAdapter adapter, LoopbackUpstream upstream, string type, bool system = false, CancellationTokenSource? cancel = null)
    {
        List<LlmMessage> messages = system ? [new("system", "Be brief."), new("user", "Hello")] : [new("user", "Hello")];
        return AdapterRun.RunAsync(adapter, AdapterRun.Request(upstream, type, messages), cancel?.Token ?? TestContext.Current.CancellationToken);
    }

    private static string Text(List<LlmStreamEvent> events) => AdapterRun.Text(events);

    private static LlmUsage Usage(List<LlmStreamEvent> events) => AdapterRun.Usage(events);
}
