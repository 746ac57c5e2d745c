using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>The handshake rate limiter policies with <c>AddRedis()</c>: one token bucket per IP address / user shared by every instance, and the documented fallback when Redis is gone.</summary>
public sealed class HandshakeRateTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A gateway whose route <c>r</c> uses the handshake rate <paramref name="policy"/> (default per IP) at
    /// <paramref name="perMinute"/> per minute, with API-key users (<c>alice-key</c>, <c>bob-key</c>).
    /// </summary>
    private static Task<TestGateway> StartAsync(Uri backend, string configuration, string prefix, int perMinute, Action<RedisOptions>? redis = null, string policy = ConnectionRateLimitPolicies.PerIp, Action<IServiceCollection>? services = null)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c", RateLimiterPolicy = policy };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.ToString() } } };
            },
            s => (services is null ? s : Also(s, services)).AddAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme).Services
                .AddWebSocketProxy()
                .AddApiKeyAuthentication(o =>
                {
                    o.Keys[RedisGateways.AliceKey] = "alice";
                    o.Keys[RedisGateways.BobKey] = "bob";
                })
                .AddHandshakeRateLimiterPolicies(o =>
                {
                    o.PerIpPermitLimit = perMinute;
                    o.PerIpWindow = TimeSpan.FromMinutes(1);
                    o.PerUserPermitLimit = perMinute;
                    o.PerUserWindow = TimeSpan.FromMinutes(1);
                })
                .AddRedis(o =>
                {
                    o.Configuration = configuration;
                    o.KeyPrefix = prefix;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    // Generous: a first script call on a loaded machine can take over 500 ms, and a timed-out call that Redis still runs
                    // takes the shared token *and* a local one, which would skew the counts. A killed Redis is noticed without it.
                    o.OperationTimeout = TimeSpan.FromSeconds(2);
                    redis?.Invoke(o);
                }),
            app =>
            {
                app.UseRateLimiter();
                app.MapWebSocketProxy();
            });

    private static IServiceCollection Also(IServiceCollection services, Action<IServiceCollection> more)
    {
        more(services);
        return services;
    }

    private static int RetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers)
        => int.Parse(headers!.First(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value.Single(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_per_ip_handshake_rate_holds_across_both_instances()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var a = await StartAsync(backend.WsUri(), configuration, prefix, perMinute: 3);
        await using var b = await StartAsync(backend.WsUri(), configuration, prefix, perMinute: 3);
        await RedisGateways.ConnectedAsync(ct, a, b);

        // 3 per minute for 127.0.0.1 in total, whichever instance is asked (one token back every 20 s).
        (await Ws.TryConnectAsync(a.Ws("/ws/x"), ct)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(a.Ws("/ws/x"), ct)).Status.Should().Be(101);

        var onB = await Ws.TryConnectAsync(b.Ws("/ws/x"), ct);
        onB.Status.Should().Be(429, "A and B took the three tokens of one shared bucket");
        RetryAfter(onB.Headers).Should().BeInRange(1, 20);
        var onA = await Ws.TryConnectAsync(a.Ws("/ws/x"), ct);
        onA.Status.Should().Be(429);
        RetryAfter(onA.Headers).Should().BeInRange(1, 20);
        backend.Handshakes.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_per_user_handshake_rate_holds_across_both_instances_and_other_users_are_served()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var a = await StartAsync(backend.WsUri(), configuration, prefix, perMinute: 2, policy: ConnectionRateLimitPolicies.PerUser);
        await using var b = await StartAsync(backend.WsUri(), configuration, prefix, perMinute: 2, policy: ConnectionRateLimitPolicies.PerUser);
        await RedisGateways.ConnectedAsync(ct, a, b);
        void Alice(ClientWebSocketOptions o) => o.SetRequestHeader(RedisGateways.ApiKeyHeader, RedisGateways.AliceKey);
        void Bob(ClientWebSocketOptions o) => o.SetRequestHeader(RedisGateways.ApiKeyHeader, RedisGateways.BobKey);

        (await Ws.TryConnectAsync(a.Ws("/ws/x"), ct, Alice)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct, Alice)).Status.Should().Be(101);
        var refused = await Ws.TryConnectAsync(a.Ws("/ws/x"), ct, Alice);
        refused.Status.Should().Be(429, "alice's two handshakes per minute were taken on A and B");
        RetryAfter(refused.Headers).Should().BeInRange(1, 30);

        // Same address, another user: a bucket of its own.
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct, Bob)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(a.Ws("/ws/x"), ct, Bob)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(b.Ws("/ws/x"), ct, Bob)).Status.Should().Be(429);
    }

    [Fact]
    public async Task Killing_redis_falls_back_to_the_local_rate_or_503_and_shares_again_when_it_returns()
    {
        var ct = Ws.Timeout(60);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var open = await StartAsync(backend.WsUri(), redis.Configuration, prefix, perMinute: 2, services: s => s.AddFakeLogging());
        await using var closed = await StartAsync(backend.WsUri(), redis.Configuration, prefix, perMinute: 2, o => o.FailOpen = false);
        await RedisGateways.ConnectedAsync(ct, open, closed);
        using var openFailures = new MetricCollector<long>(open.Services.GetRequiredService<IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.shared_store.failures");
        using var closedFailures = new MetricCollector<long>(closed.Services.GetRequiredService<IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.shared_store.failures");

        (await Ws.TryConnectAsync(open.Ws("/ws/x"), ct)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(open.Ws("/ws/x"), ct)).Status.Should().Be(429, "the shared bucket is empty");
        openFailures.GetMeasurementSnapshot().Should().BeEmpty("Redis answered every handshake before the kill, so the local bucket is still full");

        await redis.KillAsync(ct);

        // Fail open (default): the instance's own bucket of the same rate, full since Redis answered every handshake so far — quickly.
        var watch = Stopwatch.StartNew();
        (await Ws.TryConnectAsync(open.Ws("/ws/x"), ct)).Status.Should().Be(101);
        watch.Elapsed.Should().BeLessThan(Bound);
        (await Ws.TryConnectAsync(open.Ws("/ws/x"), ct)).Status.Should().Be(101);
        var local = await Ws.TryConnectAsync(open.Ws("/ws/x"), ct);
        local.Status.Should().Be(429, "the local bucket holds the same 2 per minute");
        RetryAfter(local.Headers).Should().BeInRange(1, 30);
        openFailures.GetMeasurementSnapshot().Count(m => Equals(m.Tags["feature"], "handshake_rate") && Equals(m.Tags["outcome"], "fail_open")).Should().BeGreaterThanOrEqualTo(3, "every handshake of the outage is counted");
        open.Services.GetFakeLogCollector().GetSnapshot().Count(r => r.Id.Id == EventIds.SharedHandshakeRateFailOpen).Should().Be(1, "the warning is logged once per outage");

        // Fail closed: 503 limits_unavailable, also quickly.
        watch.Restart();
        var refused = await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct);
        refused.Status.Should().Be(503);
        RetryAfter(refused.Headers).Should().Be(1);
        watch.Elapsed.Should().BeLessThan(Bound);
        closedFailures.GetMeasurementSnapshot().Should().Contain(m => Equals(m.Tags["feature"], "handshake_rate") && Equals(m.Tags["outcome"], "fail_closed"));

        // Redis returns empty (no persistence): a fresh shared bucket of 2. The fail-closed instance admits again without a
        // restart (one token); the fail-open one, whose local bucket is empty, is admitted only by the shared bucket (the
        // other token), which then refuses both.
        await redis.RestartAsync(ct);
        await Eventually.HoldsAsync(async () => (await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct)).Status == 101, ct);
        await RedisGateways.ConnectedAsync(ct, open);
        (await Ws.TryConnectAsync(open.Ws("/ws/x"), ct)).Status.Should().Be(101, "the shared bucket has a token again");
        (await Ws.TryConnectAsync(closed.Ws("/ws/x"), ct)).Status.Should().Be(429, "both instances share the bucket again");
    }
}
