using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Defect 2 (the shared handshake gate on LLM sockets) and the <c>ratelimit.updated</c> frame.</summary>
public sealed class LlmAdmissionAndLimitTests
{
    [Fact]
    public async Task NearTokenLimit_RateLimitUpdatedBeforeTheAnswer_WithRemainingAndReset()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { TokensPerMinute = 300, RequestsPerMinute = 100 };
        });
        using var client = await ConnectAsync(gateway, ct);

        // Reserves ~10 input + 256 output of 300: under the default WarnBelow (20 %) of the token limit.
        await client.SendAsync(Request("r1", options: """{"max_tokens":256}"""), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var update = frames.Should().ContainSingle(f => Type(f) == "ratelimit.updated").Subject;
        frames.IndexOf(update).Should().BeLessThan(frames.FindIndex(f => Type(f) == "chat.delta"), "the client learns it is near its limit before the answer streams");
        update.GetProperty("id").GetString().Should().Be("r1");
        var limits = update.GetProperty("limits").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!);
        limits.Should().ContainKey("tokens_per_minute");
        var tokens = limits["tokens_per_minute"];
        tokens.GetProperty("limit").GetInt64().Should().Be(300);
        tokens.GetProperty("remaining").GetInt64().Should().BeInRange(0, 59);
        tokens.GetProperty("resetMs").GetInt64().Should().BeInRange(1, 60_000);
        limits["requests_per_minute"].GetProperty("remaining").GetInt64().Should().Be(99);
        Type(frames[^1]).Should().Be("chat.completed");
    }

    [Fact]
    public async Task FarFromEveryLimit_NoRateLimitUpdated()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { TokensPerMinute = 100_000 };
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: """{"max_tokens":256}"""), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        frames.Should().NotContain(f => Type(f) == "ratelimit.updated");
        Type(frames[^1]).Should().Be("chat.completed");
    }

    [Fact]
    public async Task ForeignOrigin_403_ListedOrigin_Accepted()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"),
            r => r.Configure(c => c with { AllowedOrigins = ["https://app.example"] }));

        var (evil, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct, o => o.SetRequestHeader("Origin", "https://evil.example"));
        var (missing, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct);
        var (listed, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct, o => o.SetRequestHeader("Origin", "https://app.example"));

        evil.Should().Be(403);
        missing.Should().Be(403, "a route with an origin list refuses clients without Origin unless AllowMissingOrigin");
        listed.Should().Be(101);
        upstream.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task ConcurrentConnectionsPerIp_SecondSocket429_FreedWhenTheFirstCloses()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"),
            r => r.Configure(c => c with { ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerIp = 1 } }));

        var first = await ConnectAsync(gateway, ct);
        var (second, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct);
        await first.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, ct);
        first.Dispose();
        int third;
        do
        {
            (third, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct); // the permit returns when the server side has ended
        }
        while (third == 429);

        second.Should().Be(429);
        third.Should().Be(101);
    }
}
