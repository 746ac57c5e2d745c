using WebSocketProxy.Testing;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Llm;
using static WebSocketProxy.Tests.Llm.AdapterRun;

namespace WebSocketProxy.Tests.Llm;

/// <summary>What each adapter sends: tools, tool choice, images, earlier tool calls and tool results, in the provider's own shape.</summary>
public sealed class AdapterRequestTests
{
    private const string Png = "data:image/png;base64,iVBORw0KGgo=";

    private static readonly LlmTool Weather = new()
    {
        Name = "get_weather",
        Description = "Current weather for a location.",
        Parameters = JsonDocument.Parse("""{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}""").RootElement.Clone(),
    };

    private static readonly LlmTool Now = new() { Name = "now" };

    private static readonly IReadOnlyList<LlmMessage> Conversation =
    [
        new("system", "Be brief."),
        new("user", "What is in this picture, and the weather in Paris?") { Parts = [LlmContentPart.FromText("What is in this picture, and the weather in Paris?"), LlmContentPart.FromImageUrl(Png)] },
        new("assistant", string.Empty) { ToolCalls = [new LlmToolCall("call_1", "get_weather", """{"location":"Paris"}"""), new LlmToolCall("call_2", "now", "")] },
        new("tool", "18°C, cloudy") { ToolCallId = "call_1" },
        new("tool", "12:00") { ToolCallId = "call_2" },
    ];

    [Fact]
    public async Task OpenAIChat_ToolsChoiceImagesAndToolHistory_InChatCompletionsShape()
    {
        using var body = await SendAsync(new OpenAIChatAdapter(HttpFactory()), LlmAdapterNames.OpenAIChat, "openai-chat-stream.sse", LlmToolChoice.Function("get_weather"));
        var root = body.RootElement;

        root.GetProperty("tools").GetArrayLength().Should().Be(2);
        var tool = root.GetProperty("tools")[0];
        tool.GetProperty("type").GetString().Should().Be("function");
        tool.GetProperty("function").GetProperty("name").GetString().Should().Be("get_weather");
        tool.GetProperty("function").GetProperty("parameters").GetProperty("required")[0].GetString().Should().Be("location");
        root.GetProperty("tools")[1].GetProperty("function").GetProperty("parameters").GetRawText().Should().Be("""{"type":"object","properties":{}}""");
        root.GetProperty("tool_choice").GetRawText().Should().Be("""{"type":"function","function":{"name":"get_weather"}}""");
        var messages = root.GetProperty("messages");
        messages[1].GetProperty("content")[1].GetRawText().Should().Be("{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + Png + "\"}}");
        messages[2].GetProperty("content").ValueKind.Should().Be(JsonValueKind.Null);
        messages[2].GetProperty("tool_calls")[0].GetRawText().Should().Be("""{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\u0022location\u0022:\u0022Paris\u0022}"}}""");
        messages[3].GetRawText().Should().Be("""{"role":"tool","tool_call_id":"call_1","content":"18\u00B0C, cloudy"}""");
    }

    [Theory]
    [InlineData(LlmToolChoiceMode.Auto, "\"auto\"")]
    [InlineData(LlmToolChoiceMode.None, "\"none\"")]
    [InlineData(LlmToolChoiceMode.Required, "\"required\"")]
    public async Task OpenAIChat_ToolChoiceModes(LlmToolChoiceMode mode, string expected)
    {
        var choice = mode switch { LlmToolChoiceMode.None => LlmToolChoice.None, LlmToolChoiceMode.Required => LlmToolChoice.Required, _ => LlmToolChoice.Auto };

        using var body = await SendAsync(new OpenAIChatAdapter(HttpFactory()), LlmAdapterNames.OpenAIChat, "openai-chat-stream.sse", choice);

        body.RootElement.GetProperty("tool_choice").GetRawText().Should().Be(expected);
    }

    [Fact]
    public async Task OpenAIChat_NoTools_NoToolFieldsAndPlainContent()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));

        await RunAsync(new OpenAIChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIChat), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(upstream.Requests.Single().Body);
        body.RootElement.TryGetProperty("tools", out _).Should().BeFalse();
        body.RootElement.TryGetProperty("tool_choice", out _).Should().BeFalse();
        body.RootElement.GetProperty("messages")[0].GetRawText().Should().Be("""{"role":"user","content":"Hello"}""");
    }

    [Fact]
    public async Task OpenAIResponses_FlatFunctionToolsNotStrictAndInputItems()
    {
        using var body = await SendAsync(new OpenAIResponsesAdapter(HttpFactory()), LlmAdapterNames.OpenAIResponses, "openai-responses-stream.sse", LlmToolChoice.Function("get_weather"));
        var root = body.RootElement;

        var tool = root.GetProperty("tools")[0];
        tool.GetProperty("type").GetString().Should().Be("function");
        tool.GetProperty("name").GetString().Should().Be("get_weather");
        tool.GetProperty("strict").GetBoolean().Should().BeFalse("Responses function tools are strict by default, which rejects most hand-written schemas");
        root.GetProperty("tool_choice").GetRawText().Should().Be("""{"type":"function","name":"get_weather"}""");
        var input = root.GetProperty("input");
        input[1].GetProperty("content")[1].GetRawText().Should().Be("{\"type\":\"input_image\",\"image_url\":\"" + Png + "\"}");
        input[2].GetRawText().Should().Be("""{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\u0022location\u0022:\u0022Paris\u0022}"}""");
        input[3].GetProperty("type").GetString().Should().Be("function_call");
        input[4].GetRawText().Should().Be("""{"type":"function_call_output","call_id":"call_1","output":"18\u00B0C, cloudy"}""");
        input.GetArrayLength().Should().Be(6, "system, user, two function calls (the empty assistant text is not sent) and two outputs");
    }

    [Fact]
    public async Task Anthropic_ToolsImagesToolUseAndMergedToolResults()
    {
        using var body = await SendAsync(new AnthropicMessagesAdapter(HttpFactory()), LlmAdapterNames.Anthropic, "anthropic-messages-stream.sse", LlmToolChoice.Required);
        var root = body.RootElement;

        root.GetProperty("system").GetString().Should().Be("Be brief.");
        root.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("required")[0].GetString().Should().Be("location");
        root.GetProperty("tools")[1].GetProperty("input_schema").GetRawText().Should().Be("""{"type":"object","properties":{}}""");
        root.GetProperty("tool_choice").GetRawText().Should().Be("""{"type":"any"}""");
        var messages = root.GetProperty("messages");
        messages.GetArrayLength().Should().Be(3, "system is separate and the two tool results are one user turn");
        messages[0].GetProperty("content")[1].GetRawText().Should().Be("""{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}""");
        messages[1].GetProperty("content")[0].GetRawText().Should().Be("""{"type":"tool_use","id":"call_1","name":"get_weather","input":{"location":"Paris"}}""");
        messages[1].GetProperty("content")[1].GetProperty("input").GetRawText().Should().Be("{}", "empty arguments are an empty object");
        messages[2].GetProperty("role").GetString().Should().Be("user");
        messages[2].GetProperty("content").EnumerateArray().Select(c => (c.GetProperty("type").GetString(), c.GetProperty("tool_use_id").GetString(), c.GetProperty("content").GetString()))
            .Should().Equal(("tool_result", "call_1", "18°C, cloudy"), ("tool_result", "call_2", "12:00"));
    }

    [Fact]
    public async Task Anthropic_HttpsImage_UrlSource()
    {
        IReadOnlyList<LlmMessage> messages = [new("user", "Describe") { Parts = [LlmContentPart.FromImageUrl("https://example.com/cat.png")] }];

        using var body = await SendAsync(new AnthropicMessagesAdapter(HttpFactory()), LlmAdapterNames.Anthropic, "anthropic-messages-stream.sse", null, messages);

        body.RootElement.GetProperty("messages")[0].GetProperty("content")[0].GetRawText()
            .Should().Be("""{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}}""");
    }

    [Fact]
    public async Task Ollama_ToolsImagesAsBase64AndToolNames()
    {
        using var body = await SendAsync(new OllamaChatAdapter(HttpFactory()), LlmAdapterNames.Ollama, "ollama-chat-stream.ndjson", LlmToolChoice.Function("get_weather"));
        var root = body.RootElement;

        root.GetProperty("tools").GetArrayLength().Should().Be(1, "Ollama has no tool_choice: a named function is sent alone");
        root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString().Should().Be("get_weather");
        var messages = root.GetProperty("messages");
        messages[1].GetProperty("images")[0].GetString().Should().Be("iVBORw0KGgo=");
        messages[2].GetProperty("tool_calls")[0].GetRawText().Should().Be("""{"function":{"name":"get_weather","arguments":{"location":"Paris"}}}""");
        messages[3].GetProperty("tool_name").GetString().Should().Be("get_weather");
        messages[4].GetProperty("tool_name").GetString().Should().Be("now");
    }

    [Fact]
    public async Task Ollama_ToolChoiceNone_NoTools()
    {
        using var body = await SendAsync(new OllamaChatAdapter(HttpFactory()), LlmAdapterNames.Ollama, "ollama-chat-stream.ndjson", LlmToolChoice.None);

        body.RootElement.TryGetProperty("tools", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Ollama_HttpsImage_RefusedBeforeTheCall()
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("ollama-chat-stream.ndjson"));
        IReadOnlyList<LlmMessage> messages = [new("user", "Describe") { Parts = [LlmContentPart.FromImageUrl("https://example.com/cat.png")] }];

        var act = () => RunAsync(new OllamaChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Ollama, messages), TestContext.Current.CancellationToken);

        (await act.Should().ThrowAsync<LlmUpstreamException>()).Which.ProviderCode.Should().Be("unsupported_content");
        upstream.Requests.Should().BeEmpty();
    }

    private static async Task<JsonDocument> SendAsync(ILlmStreamAdapter adapter, string type, string fixture, LlmToolChoice? choice, IReadOnlyList<LlmMessage>? messages = null)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(fixture, chunkSizes: [4096]));
        var events = await RunAsync(adapter, Request(upstream, type, messages ?? Conversation, [Weather, Now], choice), TestContext.Current.CancellationToken);
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        return JsonDocument.Parse(Encoding.UTF8.GetBytes(upstream.Requests.Single().Body));
    }
}
