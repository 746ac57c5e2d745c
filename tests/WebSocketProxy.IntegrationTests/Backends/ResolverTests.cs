using System.Net;
using System.Security.Claims;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Management;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class ResolverTests
{
    [Fact]
    public async Task Resolver_Throws_Returns503WithRetryAfter_LogsResolverName()
    {
        var ct = Ws.Timeout();
        await using var gateway = await TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws", Cluster = "c" };
                o.Clusters["c"] = new ClusterConfig { Resolver = "broken" };
            },
            services =>
            {
                services.AddWebSocketProxy().AddBackendResolver<BrokenResolver>();
                services.AddFakeLogging();
            });

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(503);
        headers!.Should().ContainKey("Retry-After");
        var log = gateway.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Single(r => r.Id.Name == "ResolverFailed");
        log.Level.Should().Be(LogLevel.Error);
        log.Message.Should().Contain("broken").And.Contain("c");
        log.Exception.Should().BeOfType<InvalidOperationException>();
    }

    [Fact]
    public async Task Resolver_ReturnsNothing_Returns503()
    {
        var ct = Ws.Timeout();
        await using var gateway = await TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws", Cluster = "c" };
                o.Clusters["c"] = new ClusterConfig { Resolver = "tenant" };
            },
            services => services.AddWebSocketProxy().AddBackendResolver<TenantBackendResolver>());

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(503, "no tenant claim, no backend");
    }

    [Fact]
    public async Task TenantResolver_RoutesByClaim()
    {
        var ct = Ws.Timeout();
        await using var acme = await BackendCluster.StartAsync();
        await using var globex = await BackendCluster.StartAsync();
        await using var gateway = await TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws", Cluster = "c" };
                o.Clusters["c"] = new ClusterConfig
                {
                    Resolver = "tenant",
                    Backends = new Dictionary<string, BackendConfig>
                    {
                        ["acme-1"] = new() { Address = acme.WsUri().ToString(), Metadata = new Dictionary<string, string> { ["tenant"] = "acme" } },
                        ["globex-1"] = new() { Address = globex.WsUri().ToString(), Metadata = new Dictionary<string, string> { ["tenant"] = "globex" } },
                    },
                };
            },
            services => services.AddWebSocketProxy().AddBackendResolver<TenantBackendResolver>(),
            app =>
            {
                // Stands in for authentication: the tenant claim comes from a header.
                app.Use((context, next) =>
                {
                    if (context.Request.Headers.TryGetValue("X-Tenant", out var tenant))
                    {
                        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("tenant", tenant.ToString())], "test"));
                    }

                    return next(context);
                });
                app.MapWebSocketProxy();
            });

        for (var i = 0; i < 3; i++)
        {
            (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("X-Tenant", "globex"))).Status.Should().Be(101);
        }

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("X-Tenant", "acme"))).Status.Should().Be(101);
        globex.Served().Should().Be(3);
        acme.Served().Should().Be(1);
    }

    [Fact]
    public async Task DnsResolver_Localhost_ExpandedToLoopbackAddresses()
    {
        var ct = Ws.Timeout();
        await using var backend = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync(
            [new Uri($"ws://localhost:{backend.Port}/ws")],
            c => c with { Resolver = BackendResolvers.Dns });

        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 5, ct)).Should().OnlyContain(s => s == 101, "127.0.0.1 serves; ::1, if localhost has it, fails over");
        backend.Served().Should().Be(5);
        backend.Handshakes.Should().OnlyContain(h => h.Headers["Host"] == $"localhost:{backend.Port}", "the configured host name stays in the Host header");
        var resolver = gateway.Services.GetServices<IBackendResolver>().OfType<DnsBackendResolver>().Single();
        var context = new ProxyConnectionContext(new DefaultHttpContext(), gateway.Services.GetRequiredService<ProxyConfigManager>().Current.Routes["r"], gateway.Services.GetRequiredService<ProxyConfigManager>().Current.Clusters["c"]);
        var resolved = await resolver.ResolveAsync(context, ct);
        resolved.Select(b => b.Id).Should().Contain("b0/127.0.0.1");
        resolved.Should().OnlyContain(b => IPAddress.IsLoopback(IPAddress.Parse(b.Address.Host.Trim('[', ']'))));
    }

    [Fact]
    public async Task ServiceDiscoveryResolver_ConfigurationProvider_ResolvesServiceName()
    {
        var ct = Ws.Timeout();
        await using var backend = await BackendCluster.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "chat",
            ["WebSocketProxy:Clusters:chat:Resolver"] = BackendResolvers.ServiceDiscovery,
            ["WebSocketProxy:Clusters:chat:Backends:main:Address"] = "ws://chat/ws",
            ["Services:chat:http:0"] = $"127.0.0.1:{backend.Port}",
        };
        await using var gateway = await ReloadableGateway.StartAsync(settings, b => b.Services.AddWebSocketProxy().AddServiceDiscoveryBackendResolver());

        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws/room?x=1"), 3, ct)).Should().OnlyContain(s => s == 101);

        backend.Served().Should().Be(3);
        backend.Handshakes.Last().Path.Should().Be("/ws/room");
        backend.Handshakes.Last().Query.Should().Be("?x=1");
    }

    private sealed class BrokenResolver : IBackendResolver
    {
        public string Name => "broken";

        public ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
            => throw new InvalidOperationException("registry unreachable");
    }
}
