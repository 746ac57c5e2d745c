using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>A per-user message limit spent on one instance counts on the other.</summary>
public sealed class MessageLimitTests
{
    [Fact]
    public async Task A_per_user_message_budget_is_shared_by_both_instances()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();

        // 10 messages, practically no refill during the test; every refused message gets a notice, so each send has an answer.
        static RouteConfig TenPerUser(RouteConfig route) => route with
        {
            UserMessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 0.001, Burst = 10, OnExceeded = ViolationAction.DropWithNotice },
        };
        await using var a = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5), TenPerUser);
        await using var b = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5), TenPerUser);
        await RedisGateways.ConnectedAsync(ct, a, b);
        using var onA = await Ws.ConnectAsync(a.Ws("/ws/x"), ct);
        using var onB = await Ws.ConnectAsync(b.Ws("/ws/x"), ct);

        // 15 rounds of one message on each instance; under load a lease can still be in flight when a message arrives
        // (that message is refused, the token is not lost), so up to 25 more rounds let the instances catch up with
        // the budget. The upper bound is then checked after more attempts than the budget, not fewer.
        var forwarded = 0;
        for (var i = 0; i < 40 && (i < 15 || forwarded < 8); i++)
        {
            foreach (var socket in new[] { onA, onB })
            {
                await socket.SendTextAsync("m" + i, ct);
                var answer = await socket.ReceiveMessageAsync(ct);
                if (!answer.Text.Contains("message.rejected", StringComparison.Ordinal))
                {
                    forwarded++;
                }
            }
        }

        // Exact over time; each instance may borrow at most one lease slice (1 token here) ahead of Redis's answer, and
        // may still hold one slice it leased ahead and has not spent when the test stops sending.
        forwarded.Should().BeInRange(8, 12, "30 to 80 messages against one shared budget of 10");
    }
}
