using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>Two LLM gateways on one redis-server, end to end over <c>llm.v1</c>: one budget, one set of usage totals.</summary>
public sealed class LlmScaleOutTests
{
    [Fact]
    public async Task A_budget_spent_through_A_refuses_a_request_on_B_and_the_usage_of_both_is_read_from_A()
    {
        var ct = Ws.Timeout(60);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        var prefix = RedisGateways.NewPrefix();
        await using var a = await StartAsync(upstream, configuration, prefix);
        await using var b = await StartAsync(upstream, configuration, prefix);
        await RedisGateways.ConnectedAsync(ct, a, b);
        using var onA = await Ws.ConnectAsync(a.Ws("/llm"), ct, o => o.AddSubProtocol("llm.v1"));
        using var onB = await Ws.ConnectAsync(b.Ws("/llm"), ct, o => o.AddSubProtocol("llm.v1"));

        // 300 tokens per minute: A's request reserves its input and 256 of output, then spends what the provider reports.
        await onA.SendTextAsync(Request("a1", 256), ct);
        Type(await UntilTerminalAsync(onA, ct)).Should().Be("chat.completed");

        // Whether or not A's reconciliation has landed yet, 290 more tokens do not fit on B.
        await onB.SendTextAsync(Request("b1", 290), ct);
        var refused = await UntilTerminalAsync(onB, ct);
        Type(refused).Should().Be("chat.error");
        refused.GetProperty("error").GetProperty("code").GetString().Should().Be("rate_limited");
        upstream.Requests.Should().HaveCount(1, "the refused request never reached the provider");

        // Once A gave back what it did not use, a 256-token request fits on B.
        for (var attempt = 2; ; attempt++)
        {
            await onB.SendTextAsync(Request("b" + attempt, 256), ct);
            if (Type(await UntilTerminalAsync(onB, ct)) == "chat.completed")
            {
                break;
            }
        }

        using var admin = new HttpClient { BaseAddress = a.Http("/") };
        var totals = await Eventually.MatchesAsync(
            () => admin.GetFromJsonAsync<JsonElement>("/_proxy/usage?client=ip:127.0.0.1", ct),
            t => t.GetArrayLength() == 1 && t[0].GetProperty("requests").GetInt64() >= 3,
            ct); // the usage sink runs after the terminal frame
        var completed = upstream.Requests.Count;
        totals[0].GetProperty("inputTokens").GetInt64().Should().BeGreaterThan(0);
        totals[0].GetProperty("outputTokens").GetInt64().Should().BeGreaterThan(0);
        completed.Should().Be(2, "one completed request on each instance");
    }

    private static Task<TestGateway> StartAsync(LoopbackUpstream upstream, string configuration, string prefix)
        => TestGateway.StartAsync(
            _ => { },
            s => s.AddWebSocketProxy()
                .AddLlm(o =>
                {
                    o.Providers["openai"] = new LlmProviderConfig { Type = LlmAdapterNames.OpenAIChat, BaseUrl = upstream.BaseUrl + "/v1", ApiKey = "sk-openai" };
                    o.Budgets = new LlmBudgetConfig { TokensPerMinute = 300 };
                })
                .AddRedis(o =>
                {
                    o.Configuration = configuration;
                    o.KeyPrefix = prefix;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    o.OperationTimeout = TimeSpan.FromSeconds(5);
                }),
            app =>
            {
                app.MapLlmWebSocket("/llm", _ => { });
                app.MapWebSocketProxyAdmin("/_proxy");
            });

    private static string Request(string id, int maxTokens)
        => $$$"""{"type":"chat.request","id":"{{{id}}}","model":"m","messages":[{"role":"user","content":"Hello"}],"options":{"max_tokens":{{{maxTokens}}}}}""";

    private static string Type(JsonElement frame) => frame.GetProperty("type").GetString()!;

    private static async Task<JsonElement> UntilTerminalAsync(WebSocket socket, CancellationToken ct)
    {
        while (true)
        {
            var message = await socket.ReceiveMessageAsync(ct);
            message.Type.Should().Be(WebSocketMessageType.Text);
            using var document = JsonDocument.Parse(message.Data);
            var frame = document.RootElement.Clone();
            if (Type(frame) is "chat.completed" or "chat.cancelled" or "chat.error")
            {
                return frame;
            }
        }
    }
}
