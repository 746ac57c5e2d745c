using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Security;

/// <summary>A session whose token expires is closed: 1008 "authentication expired" to the client, 1001 to the backend.</summary>
public sealed class TokenExpiryTests
{
    private static Task<TestGateway> StartAsync(TestBackend backend, FakeTimeProvider time, bool closeOnExpiry)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig
                {
                    Path = "/ws/{**rest}",
                    Cluster = "c",
                    AuthorizationPolicy = "default",
                    CloseOnTokenExpiry = closeOnExpiry,
                    IdleTimeout = Timeout.InfiniteTimeSpan,
                    KeepAliveInterval = TimeSpan.Zero,
                };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            services =>
            {
                TestAuth.AddTo(services);
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(time));
            });

    [Fact]
    public async Task TokenExpires_ClientGets1008BackendGets1001()
    {
        var ct = Ws.Timeout();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, time, closeOnExpiry: true);
        var token = TestAuth.CreateToken("alice", expires: time.GetUtcNow().UtcDateTime.AddMinutes(10));
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(token));
        await client.SendTextAsync("before", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("before");

        time.Advance(TimeSpan.FromMinutes(9));
        await client.SendTextAsync("still valid", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("still valid");
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        close.CloseDescription.Should().Be("authentication expired");
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);

        using var fresh = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(TestAuth.CreateToken("alice")));
        await fresh.SendTextAsync("after", ct);
        (await fresh.ReceiveMessageAsync(ct)).Text.Should().Be("after");
    }

    [Fact]
    public async Task TokenExpires_RouteNotOptedIn_SessionContinues()
    {
        var ct = Ws.Timeout();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, time, closeOnExpiry: false);
        var token = TestAuth.CreateToken("alice", expires: time.GetUtcNow().UtcDateTime.AddMinutes(10));
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(token));
        await client.SendTextAsync("before", ct);
        await client.ReceiveMessageAsync(ct);

        time.Advance(TimeSpan.FromMinutes(11));

        await client.SendTextAsync("after", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("after");
    }
}
