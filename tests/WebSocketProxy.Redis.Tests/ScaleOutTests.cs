using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>Two gateway instances and one real redis-server agree on limits, sessions and the cache.</summary>
public sealed class ScaleOutTests
{
    private static RouteConfig TwoPerUser(RouteConfig route) => route with { ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerUser = 2 } };

    [Fact]
    public async Task A_per_user_cap_holds_across_both_instances()
    {
        var ct = Ws.Timeout(30);
        await using var pair = await GatewayPair.StartAsync((uri, configuration, prefix) => RedisGateways.StartAsync(uri, configuration, prefix, route: TwoPerUser), ct);
        var (backend, a, b) = (pair.Backend, pair.A, pair.B);

        using var first = await Ws.ConnectAsync(a.Ws("/ws/x"), ct);
        using var second = await Ws.ConnectAsync(b.Ws("/ws/x"), ct);

        // Anonymous clients count as their address: all of these are the same "user" 127.0.0.1.
        (await Ws.TryConnectAsync(a.Ws("/ws/x"), ct)).Status.Should().Be(429);
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status.Should().Be(429);

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        await Eventually.HoldsAsync(async () => (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status == 101, ct);
    }

    [Fact]
    public async Task A_cache_entry_written_by_A_is_served_by_B()
    {
        var ct = Ws.Timeout(30);
        await using var pair = await GatewayPair.StartAsync((uri, configuration, prefix) => RedisGateways.StartAsync(uri, configuration, prefix), ct);
        var (backend, a, b) = (pair.Backend, pair.A, pair.B);

        var key = "answer:" + Guid.NewGuid().ToString("N");
        await a.Services.GetRequiredService<HybridCache>().SetAsync(key, "written by A", cancellationToken: ct);
        var read = await b.Services.GetRequiredService<HybridCache>().GetOrCreateAsync(key, static _ => ValueTask.FromResult("computed by B"), cancellationToken: ct);

        read.Should().Be("written by A");
    }

    [Fact]
    public async Task A_cluster_wide_close_reaches_a_session_on_the_other_instance()
    {
        var ct = Ws.Timeout(30);
        await using var pair = await GatewayPair.StartAsync((uri, configuration, prefix) => RedisGateways.StartAsync(uri, configuration, prefix), ct);
        var (backend, a, b) = (pair.Backend, pair.A, pair.B);
        var directoryA = a.Services.GetRequiredService<ISessionDirectory>();
        var directoryB = b.Services.GetRequiredService<ISessionDirectory>();

        using var onB = await Ws.ConnectAsync(b.Ws("/ws/x"), ct);

        // Listed on A (B's heartbeat published it), with B as its holder.
        var listed = await Eventually.MatchesAsync(() => directoryA.ListAsync(ct), l => l.Any(e => e.Instance == directoryB.InstanceId), ct);
        var target = listed.Single(e => e.Instance == directoryB.InstanceId);
        target.Route.Should().Be("r");
        target.Cluster.Should().Be("c");
        target.Backend.Should().Be("b1");
        target.User.Should().Be("ip:127.0.0.1");

        (await directoryA.CloseAsync(new SessionTarget(SessionTargetKind.Session, target.Id), ct)).Should().Be(1);
        (await ReceiveCloseAsync(onB, ct)).Should().Be(WebSocketCloseStatus.PolicyViolation);
        await onB.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, null, ct); // answered, so the session ends now, not at the close timeout
        await Eventually.HoldsAsync(() => b.Services.GetRequiredService<SessionRegistry>().Count == 0, ct);

        // "Close all sessions of this user", asked on B, reaches the user's sessions on both instances.
        using var userOnA = await Ws.ConnectAsync(a.Ws("/ws/y"), ct);
        using var userOnB = await Ws.ConnectAsync(b.Ws("/ws/z"), ct);
        await Eventually.HoldsAsync(() => a.Services.GetRequiredService<SessionRegistry>().Count == 1 && b.Services.GetRequiredService<SessionRegistry>().Count == 1, ct);

        (await directoryB.CloseAsync(new SessionTarget(SessionTargetKind.User, "ip:127.0.0.1"), ct)).Should().Be(2);
        (await ReceiveCloseAsync(userOnA, ct)).Should().Be(WebSocketCloseStatus.PolicyViolation);
        (await ReceiveCloseAsync(userOnB, ct)).Should().Be(WebSocketCloseStatus.PolicyViolation);
    }

    private static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[256];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return result.CloseStatus;
            }
        }
    }
}
