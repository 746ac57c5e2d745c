using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Management;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>Helpers for tests with several real backends behind one gateway.</summary>
internal static class BackendCluster
{
    /// <summary>An echo backend that also answers <c>GET /health</c> with 200 while <paramref name="healthy"/> says so, else 503.</summary>
    public static Task<TestBackend> StartAsync(Func<bool>? healthy = null) => TestBackend.StartAsync((backend, context) =>
    {
        if (context.Request.Path == "/health")
        {
            context.Response.StatusCode = healthy is null || healthy() ? 200 : 503;
            return Task.CompletedTask;
        }

        return BackendHandlers.Echo(backend, context);
    });

    public static async Task<TestBackend[]> StartManyAsync(int count)
    {
        var backends = new TestBackend[count];
        for (var i = 0; i < count; i++)
        {
            backends[i] = await StartAsync();
        }

        return backends;
    }

    /// <summary>The WebSocket handshakes a backend served (health probes excluded).</summary>
    public static int Served(this TestBackend backend) => backend.Handshakes.Count(h => h.Path != "/health");

    public static Dictionary<string, BackendConfig> Backends(params Uri[] addresses)
    {
        var backends = new Dictionary<string, BackendConfig>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < addresses.Length; i++)
        {
            backends[$"b{i}"] = new BackendConfig { Address = addresses[i].ToString() };
        }

        return backends;
    }

    /// <summary>A gateway with route <c>/ws/{**rest}</c> to cluster <c>c</c> made of <paramref name="addresses"/>.</summary>
    public static Task<TestGateway> GatewayAsync(Uri[] addresses, Func<ClusterConfig, ClusterConfig>? cluster = null, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c", ConcurrentConnections = new ConcurrentConnectionLimitConfig { PerIp = 0 } }; // backend tests open many sessions from 127.0.0.1
                o.Clusters["c"] = (cluster ?? (c => c))(new ClusterConfig { Backends = Backends(addresses) });
            },
            services,
            map);

    /// <summary>The run-time backends of cluster <c>c</c>.</summary>
    public static IReadOnlyList<BackendState> RuntimeBackends(this TestGateway gateway, string cluster = "c")
        => RuntimeBackends(gateway.Services, cluster);

    public static BackendState RuntimeBackend(this TestGateway gateway, string id, string cluster = "c")
        => gateway.RuntimeBackends(cluster).Single(b => b.Id == id);

    /// <summary>The run-time backend <paramref name="id"/> of a configuration-bound gateway.</summary>
    public static BackendState RuntimeBackend(this ReloadableGateway gateway, string id, string cluster = "c")
        => RuntimeBackends(gateway.Services, cluster).Single(b => b.Id == id);

    /// <summary>Connects <paramref name="count"/> times in a row (each closed at once) and returns the statuses.</summary>
    public static async Task<List<int>> ConnectManyAsync(Uri uri, int count, CancellationToken cancellationToken)
    {
        var statuses = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            statuses.Add((await Ws.TryConnectAsync(uri, cancellationToken)).Status);
        }

        return statuses;
    }

    private static IReadOnlyList<BackendState> RuntimeBackends(IServiceProvider services, string cluster)
        => services.GetRequiredService<ProxyConfigManager>().Current.Clusters[cluster].Backends;
}
