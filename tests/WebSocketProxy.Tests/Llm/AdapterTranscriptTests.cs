using WebSocketProxy.Testing;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Llm;
using static WebSocketProxy.Tests.Llm.AdapterRun;

namespace WebSocketProxy.Tests.Llm;

/// <summary>Replays transcripts with tool calls, reasoning, refusals and nested errors (written from the providers' documented wire formats) through each adapter, at awkward chunk boundaries.</summary>
public sealed class AdapterTranscriptTests
{
    public static TheoryData<int[]> Chunkings => new() { new[] { 1 }, LoopbackUpstream.AwkwardChunks, new[] { 4096 } };

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIChat_ToolCalls_ArgumentsStreamedByIndexUnderTheirCallIds(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-tool-calls.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIChat), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(LlmPartType.ToolCall, "call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather", """{"location":"Paris, France"}"""),
            new AssembledPart(LlmPartType.ToolCall, "call_ABq9QH5rJ1nTg0lXr2mHcX8w", "get_weather", """{"location":"Tokyo, Japan"}"""));
        events.Count(e => e.Kind == LlmStreamEventKind.Delta).Should().Be(12, "each argument fragment is forwarded as it arrives");
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 82, OutputTokens = 51, TotalTokens = 133, CachedTokens = 0 });
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("tool_calls");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIChat_Refusal_IsARefusalPartNotAnEmptyAnswer(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-refusal.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIChat), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.Refusal, "refusal", null, "I'm sorry, I can't help with that."));
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 24, OutputTokens = 9, TotalTokens = 33, CachedTokens = 0 });
        events[^1].FinishReason.Should().Be("stop");
    }

    [Fact]
    public async Task OpenAIChat_CompatibleServerReasoningAndIdlessToolCall_PartsKept()
    {
        var body = Encoding.UTF8.GetBytes(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Think.\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sure.\"},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
            + "data: [DONE]\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [7]));

        var events = await RunAsync(new OpenAIChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIChat), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(LlmPartType.Reasoning, "reasoning", null, "Think."),
            new AssembledPart(LlmPartType.Text, "text", null, "Sure."),
            new AssembledPart(LlmPartType.ToolCall, "call_0", "f", "{}"));
        events[^1].FinishReason.Should().Be("tool_calls");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIResponses_ReasoningSummaryAndFunctionCall_PartsUsageAndToolCallsFinish(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-responses-stream-reasoning-tool-call.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIResponses), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(
                LlmPartType.Reasoning,
                "rs_68af4033fa488193a1cb5a1b2b7b4eca05438e46b5f69a3b",
                null,
                "**Checking the weather**\n\nThe user wants the current weather in Paris, so I will call get_weather."),
            new AssembledPart(LlmPartType.ToolCall, "call_Wf2kN0uY2ZiTNhXUs5o8DtWg", "get_weather", """{"location": "Paris, France"}"""));
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 71, OutputTokens = 150, TotalTokens = 221, CachedTokens = 64 });
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("tool_calls", "the Responses API has no finish reason; an answer that called a function waits for its result");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task OpenAIResponses_NestedErrorEvent_CodeAndMessageRead(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-responses-stream-nested-error.sse", chunkSizes: chunks));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIResponses), TestContext.Current.CancellationToken);

        events.Should().ContainSingle();
        events[0].Kind.Should().Be(LlmStreamEventKind.Error);
        events[0].ErrorCode.Should().Be("too_many_requests");
        events[0].ErrorMessage.Should().Be("Too Many Requests");
    }

    [Theory]
    [InlineData("""{"type":"error","sequence_number":2,"error":{"type":"invalid_request_error","code":null,"message":"Your input exceeds the context window of this model.","param":"input"}}""", "invalid_request_error", "Your input exceeds the context window of this model.")]
    [InlineData("""{"type":"error","sequence_number":1,"code":"ERR_SOMETHING","message":"Something went wrong","param":null}""", "ERR_SOMETHING", "Something went wrong")]
    public async Task OpenAIResponses_ErrorEventNestedOrFlat_Read(string error, string code, string message)
    {
        var body = Encoding.UTF8.GetBytes("event: error\ndata: " + error + "\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [5]));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIResponses), TestContext.Current.CancellationToken);

        events.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Kind = LlmStreamEventKind.Error, ErrorCode = code, ErrorMessage = message });
    }

    [Fact]
    public async Task OpenAIResponses_RefusalDelta_IsARefusalPart()
    {
        var body = Encoding.UTF8.GetBytes(
            "event: response.refusal.delta\ndata: {\"type\":\"response.refusal.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"I can't\"}\n\n"
            + "event: response.refusal.delta\ndata: {\"type\":\"response.refusal.delta\",\"sequence_number\":5,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\" help with that.\"}\n\n"
            + "event: response.refusal.done\ndata: {\"type\":\"response.refusal.done\",\"sequence_number\":6,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"refusal\":\"I can't help with that.\"}\n\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":7,\"response\":{\"status\":\"completed\",\"usage\":{\"input_tokens\":20,\"output_tokens\":6,\"total_tokens\":26}}}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [3]));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIResponses), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.Refusal, "msg_1", null, "I can't help with that."));
        events[^1].FinishReason.Should().Be("stop");
    }

    [Fact]
    public async Task OpenAIResponses_ArgumentsOnlyInDoneEvent_DeliveredOnce()
    {
        var body = Encoding.UTF8.GetBytes(
            "data: {\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"arguments\":\"\",\"call_id\":\"call_1\",\"name\":\"f\"}}\n\n"
            + "data: {\"type\":\"response.function_call_arguments.done\",\"item_id\":\"fc_1\",\"output_index\":0,\"arguments\":\"{\\\"a\\\":1}\"}\n\n"
            + "data: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [11]));

        var events = await RunAsync(new OpenAIResponsesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.OpenAIResponses), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.ToolCall, "call_1", "f", """{"a":1}"""));
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Anthropic_ThinkingTextAndToolUse_PartsByBlockUsageAndToolCallsFinish(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream-thinking-tool-use.sse", chunkSizes: chunks));

        var events = await RunAsync(new AnthropicMessagesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Anthropic), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(LlmPartType.Reasoning, "0", null, "The user asks about the weather in Paris. I should call get_weather."),
            new AssembledPart(LlmPartType.Text, "1", null, "Let me check the weather in Paris."),
            new AssembledPart(LlmPartType.ToolCall, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", """{"location": "Paris, France"}"""));
        events.Should().NotContain(e => e.Kind == LlmStreamEventKind.Delta && e.Text!.Contains("EqQB", StringComparison.Ordinal), "signature_delta is not content");
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 412 + 1024, CachedTokens = 1024, OutputTokens = 89 });
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("tool_calls");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Anthropic_StreamingRefusal_PartialTextKeptAndFinishesContentFilterNotStop(int[] chunks)
    {
        // Claude 4 models stop a streamed answer with stop_reason "refusal" (after some text may have streamed).
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream-refusal.sse", chunkSizes: chunks));

        var events = await RunAsync(new AnthropicMessagesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Anthropic), TestContext.Current.CancellationToken);

        Text(events).Should().Be("Here is how");
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 31, OutputTokens = 4 }, o => o.Including(u => u.InputTokens).Including(u => u.OutputTokens));
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("content_filter", "a refused answer is never reported as a complete one");
    }

    [Fact]
    public async Task Anthropic_ToolUseWithoutInputDeltas_ArgumentsAreAnEmptyObject()
    {
        var body = Encoding.UTF8.GetBytes(
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"now\",\"input\":{}}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [9]));

        var events = await RunAsync(new AnthropicMessagesAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Anthropic), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.ToolCall, "toolu_1", "now", "{}"));
        events[^1].FinishReason.Should().Be("tool_calls");
    }

    [Theory]
    [MemberData(nameof(Chunkings))]
    public async Task Ollama_ThinkingAndToolCalls_PartsCachedInputAndToolCallsFinish(int[] chunks)
    {
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("ollama-chat-stream-thinking-tool-calls.ndjson", chunkSizes: chunks));

        var events = await RunAsync(new OllamaChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Ollama), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(
            new AssembledPart(LlmPartType.Reasoning, "reasoning", null, "The user wants the weather in Toronto. I'll call get_current_weather."),
            new AssembledPart(LlmPartType.ToolCall, "call_0", "get_current_weather", """{"format":"celsius","location":"Toronto"}"""));
        Usage(events).Should().BeEquivalentTo(new LlmUsage { InputTokens = 217, CachedTokens = 192, OutputTokens = 68 });
        events[^1].Kind.Should().Be(LlmStreamEventKind.Finish);
        events[^1].FinishReason.Should().Be("tool_calls", "Ollama says stop after tool calls; clients need to know they must run them");
    }

    [Fact]
    public async Task Ollama_ToolCallWithId_IdKept()
    {
        var body = Encoding.UTF8.GetBytes(
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"call_k2j3\",\"function\":{\"index\":0,\"name\":\"f\",\"arguments\":{\"x\":[1,2]}}}]},\"done\":false}\n"
            + "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":5,\"eval_count\":3}\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "application/x-ndjson", [4]));

        var events = await RunAsync(new OllamaChatAdapter(HttpFactory()), Request(upstream, LlmAdapterNames.Ollama), TestContext.Current.CancellationToken);

        Parts(events).Should().Equal(new AssembledPart(LlmPartType.ToolCall, "call_k2j3", "f", """{"x":[1,2]}"""));
        Usage(events).CachedTokens.Should().BeNull("an Ollama without prompt_eval_cached_count does not report it");
    }
}
