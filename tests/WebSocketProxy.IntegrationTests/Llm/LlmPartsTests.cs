using WebSocketProxy.Testing;
using System.ClientModel;
using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Typed parts end to end: provider transcripts through the gateway to <c>chat.delta</c> frames with <c>part</c> and <c>partId</c>.</summary>
public sealed class LlmPartsTests
{
    [Fact]
    public async Task ToolCalls_DeltaFramesCarryPartIdNameAndArgumentFragments()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-tool-calls.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var deltas = frames.Where(f => Type(f) == "chat.delta").ToList();
        deltas.Should().HaveCount(12).And.OnlyContain(f => f.GetProperty("part").GetString() == "tool_call" && !HasText(f));
        deltas.Select(f => f.GetProperty("seq").GetInt64()).Should().Equal(Enumerable.Range(0, 12).Select(i => (long)i));
        deltas[0].GetProperty("partId").GetString().Should().Be("call_DdmO9pD3xa9XTPNJ32zg2hcA");
        deltas[0].GetProperty("name").GetString().Should().Be("get_weather");
        deltas[1].TryGetProperty("name", out _).Should().BeFalse("the name comes with the first fragment only");
        Arguments(deltas, "call_DdmO9pD3xa9XTPNJ32zg2hcA").Should().Be("""{"location":"Paris, France"}""");
        Arguments(deltas, "call_ABq9QH5rJ1nTg0lXr2mHcX8w").Should().Be("""{"location":"Tokyo, Japan"}""");
        Type(frames[^1]).Should().Be("chat.completed");
        frames[^1].GetProperty("finishReason").GetString().Should().Be("tool_calls");
        frames[^1].GetProperty("usage").GetProperty("output").GetInt32().Should().Be(51);
    }

    [Fact]
    public async Task Refusal_DeltaFramesCarryRefusalText()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-refusal.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var deltas = frames.Where(f => Type(f) == "chat.delta").ToList();
        deltas.Should().OnlyContain(f => f.GetProperty("part").GetString() == "refusal" && f.GetProperty("partId").GetString() == "refusal");
        PartText(deltas, "refusal").Should().Be("I'm sorry, I can't help with that.");
        Text(deltas).Should().BeEmpty("a refusal is not answer text");
        frames[^1].GetProperty("finishReason").GetString().Should().Be("stop");
    }

    [Fact]
    public async Task AnthropicThinking_TextPartsKeepTextAndReasoningIsTyped()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream-thinking-tool-use.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "anthropic", upstream.BaseUrl + "/v1", LlmAdapterNames.Anthropic));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var deltas = frames.Where(f => Type(f) == "chat.delta").ToList();
        Text(deltas.Where(f => f.GetProperty("part").GetString() == "text")).Should().Be("Let me check the weather in Paris.");
        PartText(deltas, "reasoning").Should().Be("The user asks about the weather in Paris. I should call get_weather.");
        Arguments(deltas, "toolu_01T1x1fJ34qAmk2tNTrN7Up6").Should().Be("""{"location": "Paris, France"}""");
        var usage = frames[^1].GetProperty("usage");
        usage.GetProperty("input").GetInt32().Should().Be(1436);
        usage.GetProperty("cached").GetInt32().Should().Be(1024);
        usage.GetProperty("output").GetInt32().Should().Be(89);
        usage.GetProperty("estimated").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task ChatClient400_BadRequestWithoutFallback()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(_ => throw new HttpRequestException("Bad Request", null, HttpStatusCode.BadRequest));
        await using var backup = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                o.Providers["mai"] = new LlmProviderConfig { Type = LlmAdapterNames.ChatClient };
                AddProvider(o, "backup", backup.BaseUrl + "/v1");
            },
            r => r.UseProviders("mai", "backup"),
            services => services.AddKeyedSingleton<IChatClient>("mai", chat));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("bad_request");
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(400);
        backup.Requests.Should().BeEmpty("a request the provider rejected as malformed is not retried elsewhere");
    }

    [Fact]
    public async Task ChatClient429FromOpenAISdk_RateLimitedWithRetryAfter()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(_ => throw new ClientResultException(new FakePipelineResponse(429, """{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}""", ("retry-after-ms", "1500"))));
        await using var gateway = await StartGatewayAsync(
            o => o.Providers["mai"] = new LlmProviderConfig { Type = LlmAdapterNames.ChatClient },
            services: services => services.AddKeyedSingleton<IChatClient>("mai", chat));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single().GetProperty("error");

        error.GetProperty("code").GetString().Should().Be("rate_limited");
        error.GetProperty("retryAfterMs").GetInt64().Should().Be(1500);
        error.GetProperty("upstreamStatus").GetInt32().Should().Be(429);
    }

    private static bool HasText(JsonElement frame) => frame.TryGetProperty("text", out _);

    private static string Arguments(IEnumerable<JsonElement> deltas, string callId)
        => string.Concat(deltas.Where(f => f.GetProperty("part").GetString() == "tool_call" && f.GetProperty("partId").GetString() == callId)
            .Select(f => f.GetProperty("arguments").GetString()));
}
