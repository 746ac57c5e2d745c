using FluentAssertions;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmBudgetTests
{
    [Fact]
    public async Task TokensPerMinuteExhausted_RateLimitedWithRetryAfter_NoUpstreamCall()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { TokensPerMinute = 300 };
        });
        using var client = await ConnectAsync(gateway, ct);

        // Reserves ~10 input + 256 output; reconciled to the real 15 afterwards.
        await client.SendAsync(Request("r1", options: """{"max_tokens":256}"""), ct);
        Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.completed");
        await client.SendAsync(Request("r2", options: """{"max_tokens":256}"""), ct);
        Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.completed", "the first request's unused reservation was given back");
        await client.SendAsync(Request("r3", options: """{"max_tokens":290}"""), ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(refused).Should().Be("chat.error");
        refused.GetProperty("error").GetProperty("code").GetString().Should().Be("rate_limited");
        refused.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().BeInRange(1, 60_000);
        upstream.Requests.Should().HaveCount(2, "a refused request never reaches the provider");
    }

    [Fact]
    public async Task DailyQuotaExhausted_QuotaExceeded_NoUpstreamCall()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { TokensPerDay = 100 };
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: """{"max_tokens":500}"""), ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        refused.GetProperty("error").GetProperty("code").GetString().Should().Be("quota_exceeded");
        refused.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().BeGreaterThan(0);
        upstream.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task RequestsPerMinuteExhausted_RateLimited_PerApiKey()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { RequestsPerMinute = 1 };
            o.ApiKeys["alice"] = new LlmApiKeyConfig { Sha256 = LlmApiKeyStore.Hash("alice") };
            o.ApiKeys["bob"] = new LlmApiKeyConfig { Sha256 = LlmApiKeyStore.Hash("bob") };
        });
        using var alice = new LlmClientWithKey(await Ws.ConnectAsync(gateway.Ws("/llm"), ct, o => { o.AddSubProtocol("llm.v1"); o.SetRequestHeader("X-Api-Key", "alice"); }));
        using var bob = new LlmClientWithKey(await Ws.ConnectAsync(gateway.Ws("/llm"), ct, o => { o.AddSubProtocol("llm.v1"); o.SetRequestHeader("X-Api-Key", "bob"); }));

        await alice.Socket.SendTextAsync(Request("a1"), ct);
        (await alice.UntilTerminalAsync(ct)).GetProperty("type").GetString().Should().Be("chat.completed");
        await alice.Socket.SendTextAsync(Request("a2"), ct);
        var refused = await alice.UntilTerminalAsync(ct);
        await bob.Socket.SendTextAsync(Request("b1"), ct);
        var bobs = await bob.UntilTerminalAsync(ct);

        refused.GetProperty("error").GetProperty("code").GetString().Should().Be("rate_limited");
        bobs.GetProperty("type").GetString().Should().Be("chat.completed", "budgets are per API key");
        upstream.Requests.Should().HaveCount(2);
    }

    private sealed class LlmClientWithKey(System.Net.WebSockets.ClientWebSocket socket) : IDisposable
    {
        public System.Net.WebSockets.ClientWebSocket Socket { get; } = socket;

        public async Task<System.Text.Json.JsonElement> UntilTerminalAsync(CancellationToken ct)
        {
            while (true)
            {
                var message = await Socket.ReceiveMessageAsync(ct);
                using var document = System.Text.Json.JsonDocument.Parse(message.Data);
                var frame = document.RootElement.Clone();
                if (IsTerminal(frame))
                {
                    return frame;
                }
            }
        }

        public void Dispose() => Socket.Dispose();
    }
}
