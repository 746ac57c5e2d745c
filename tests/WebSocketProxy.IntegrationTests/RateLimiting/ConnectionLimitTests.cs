using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.RateLimiting;

/// <summary>Connection floods: handshake rate per IP / user (429 + Retry-After) and concurrent sessions per IP / user (429 at the handshake).</summary>
public sealed class ConnectionLimitTests
{
    private static Task<TestGateway> StartAsync(TestBackend backend, Func<RouteConfig, RouteConfig> route, Action<IServiceCollection>? services = null, bool useRateLimiter = false)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["limited"] = route(new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" });
                o.Routes["open"] = new RouteConfig { Path = "/open", Cluster = "c" };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            s =>
            {
                TestAuth.AddTo(s);
                services?.Invoke(s);
            },
            app =>
            {
                if (useRateLimiter)
                {
                    app.UseRateLimiter();
                }

                app.MapWebSocketProxy();
            });

    [Fact]
    public async Task HandshakeFloodFromOneIp_429WithRetryAfter_BackendSeesOnlyTheAllowance()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(
            backend,
            r => r with { RateLimiterPolicy = ConnectionRateLimitPolicies.PerIp },
            s => s.AddWebSocketProxy().AddHandshakeRateLimiterPolicies(o => o.PerIpPermitLimit = 3),
            useRateLimiter: true);

        var statuses = new List<int>();
        IReadOnlyDictionary<string, IEnumerable<string>>? rejectedHeaders = null;
        for (var i = 0; i < 10; i++)
        {
            var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);
            statuses.Add(status);
            if (status == 429)
            {
                rejectedHeaders = headers;
            }
        }

        statuses.Count(s => s == 101).Should().Be(3, "the statuses were {0}", string.Join(", ", statuses));
        statuses.Count(s => s == 429).Should().Be(7, "the statuses were {0}", string.Join(", ", statuses));
        var retryAfter = rejectedHeaders!.First(h => h.Key.Equals("Retry-After", StringComparison.OrdinalIgnoreCase)).Value.Single();
        int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1, 60);
        backend.Handshakes.Should().HaveCount(3);
        (await Ws.TryConnectAsync(gateway.Ws("/open"), ct)).Status.Should().Be(101, "routes without the policy still serve");
    }

    [Fact]
    public async Task HandshakeFloodFromOneUser_429_OtherUserServed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(
            backend,
            r => r with { RateLimiterPolicy = ConnectionRateLimitPolicies.PerUser, AuthorizationPolicy = "default" },
            s => s.AddWebSocketProxy().AddHandshakeRateLimiterPolicies(o => o.PerUserPermitLimit = 2),
            useRateLimiter: true);

        for (var i = 0; i < 2; i++)
        {
            (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey))).Status.Should().Be(101);
        }

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey))).Status.Should().Be(429);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.BobKey))).Status.Should().Be(101);
    }

    [Fact]
    public async Task ConcurrentSessionsPerIp_OverLimit429_FreedWhenASessionEnds()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerIp = 2 } });
        using var first = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var second = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(429);
        headers!.Keys.Should().Contain(k => k.Equals("Retry-After", StringComparison.OrdinalIgnoreCase));
        backend.Handshakes.Should().HaveCount(2);

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        while (true)
        {
            // The permit returns when the gateway has finished the session: poll with the test's deadline.
            var (retry, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);
            if (retry == 101)
            {
                break;
            }

            retry.Should().Be(429);
            await Task.Delay(20, ct);
        }
    }

    [Fact]
    public async Task ConcurrentSessionsPerUser_OverLimit429_OtherUserServed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default", ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerUser = 1 } });
        using var alice = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey));

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey))).Status.Should().Be(429);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(TestAuth.CreateToken("alice")))).Status.Should().Be(429, "the same user by another scheme");

        using var bob = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.BobKey));
        await bob.SendTextAsync("hi", ct);
        (await bob.ReceiveMessageAsync(ct)).Text.Should().Be("hi");
    }
}
