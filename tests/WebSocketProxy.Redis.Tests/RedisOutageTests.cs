using System.Diagnostics;
using FluentAssertions;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>redis-server killed mid-test: every feature degrades as documented, without a hang, and catches up when it returns.</summary>
public sealed class RedisOutageTests
{
    /// <summary>Long enough that the shared phase does not fail open on a loaded machine (500 ms did, once in CI), short enough to test the bound.</summary>
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a degraded call may take: the operation timeout and the handshake around it.</summary>
    private static readonly TimeSpan Bound = OperationTimeout + TimeSpan.FromSeconds(2);

    private static RouteConfig OnePerUser(RouteConfig route) => route with { ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerUser = 1 } };

    [Fact]
    public async Task Killing_redis_degrades_as_documented_and_recovers_when_it_returns()
    {
        var ct = Ws.Timeout(60);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var a = await RedisGateways.StartAsync(backend.WsUri(), redis.Configuration, prefix, o => o.OperationTimeout = OperationTimeout, OnePerUser);
        await using var b = await RedisGateways.StartAsync(backend.WsUri(), redis.Configuration, prefix, o => o.OperationTimeout = OperationTimeout, OnePerUser);
        await using var closed = await RedisGateways.StartAsync(backend.WsUri(), redis.Configuration, prefix, o => (o.FailOpen, o.OperationTimeout) = (false, OperationTimeout), OnePerUser);

        await RedisGateways.ConnectedAsync(ct, a, b, closed);
        using var held = await Ws.ConnectAsync(a.Ws("/ws/x"), ct);
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status.Should().Be(429, "the permit held on A counts on B");

        await redis.KillAsync(ct);

        // Fail open (default): B applies the limit on its own, so its first session is admitted — quickly.
        var watch = Stopwatch.StartNew();
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status.Should().Be(101);
        watch.Elapsed.Should().BeLessThan(Bound);

        // Fail closed: 503, also quickly.
        watch.Restart();
        (await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct)).Status.Should().Be(503);
        watch.Elapsed.Should().BeLessThan(Bound);

        // The directory lists this instance's sessions only; the cache is skipped (a miss, computed locally).
        watch.Restart();
        var listed = await a.Services.GetRequiredService<ISessionDirectory>().ListAsync(ct);
        listed.Should().ContainSingle().Which.Instance.Should().Be(a.Services.GetRequiredService<ISessionDirectory>().InstanceId);
        var cached = await b.Services.GetRequiredService<HybridCache>().GetOrCreateAsync("outage:" + prefix, static _ => ValueTask.FromResult("computed"), cancellationToken: ct);
        cached.Should().Be("computed");
        (await a.Services.GetRequiredService<ISessionDirectory>().CloseAsync(new SessionTarget(SessionTargetKind.Session, "nobody"), ct)).Should().Be(0);
        watch.Elapsed.Should().BeLessThan(Bound * 3);

        // Redis returns empty (no persistence): the heartbeats re-create A's permit and sessions, so the cap and the
        // cluster-wide listing hold again without a restart of any gateway.
        await redis.RestartAsync(ct);
        await Eventually.HoldsAsync(async () => (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status == 429, ct);
        var directoryB = b.Services.GetRequiredService<ISessionDirectory>();
        var aInstance = a.Services.GetRequiredService<ISessionDirectory>().InstanceId;
        await Eventually.HoldsAsync(async () => (await directoryB.ListAsync(ct)).Any(e => e.Instance == aInstance), ct);
        (await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct)).Status.Should().Be(429);
    }
}
