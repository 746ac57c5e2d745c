using System.Net.Sockets;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Management;
using WebSocketProxy.Model;

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

    /// <summary>An address where nothing listens: connection refused.</summary>
    public static Uri DeadAddress()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"ws://127.0.0.1:{port}/ws");
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
                o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
                o.Clusters["c"] = (cluster ?? (c => c))(new ClusterConfig { Backends = Backends(addresses) });
            },
            services,
            map);

    /// <summary>The run-time backends of cluster <c>c</c>.</summary>
    public static IReadOnlyList<BackendState> RuntimeBackends(this TestGateway gateway, string cluster = "c")
        => gateway.Services.GetRequiredService<ProxyConfigManager>().Current.Clusters[cluster].Backends;

    public static BackendState RuntimeBackend(this TestGateway gateway, string id, string cluster = "c")
        => gateway.RuntimeBackends(cluster).Single(b => b.Id == id);

    /// <summary>Polls a condition every 10 ms until it holds; fails after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, int seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

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
}

/// <summary>A gateway bound to a reloadable configuration, for membership changes and config drains.</summary>
internal sealed class ReloadableGateway : IAsyncDisposable
{
    private readonly ReloadableConfigurationSource _source;

    private ReloadableGateway(WebApplication app, ReloadableConfigurationSource source)
    {
        App = app;
        _source = source;
        Port = new Uri(app.Urls.First()).Port;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public Uri Ws(string path) => new($"ws://127.0.0.1:{Port}{path}");

    public static async Task<ReloadableGateway> StartAsync(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var source = new ReloadableConfigurationSource(settings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // the sample's appsettings.json sits in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapWebSocketProxy();
        map?.Invoke(app);
        await app.StartAsync();
        return new ReloadableGateway(app, source);
    }

    /// <summary>Replaces every setting and raises the configuration's reload token.</summary>
    public void Reload(IDictionary<string, string?> settings) => _source.Provider.Replace(settings);

    public BackendState RuntimeBackend(string id, string cluster = "c")
        => App.Services.GetRequiredService<ProxyConfigManager>().Current.Clusters[cluster].Backends.Single(b => b.Id == id);

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await App.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }

    private sealed class ReloadableConfigurationSource(IDictionary<string, string?> initial) : IConfigurationSource
    {
        public ReloadableConfigurationProvider Provider { get; } = new(initial);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    internal sealed class ReloadableConfigurationProvider : ConfigurationProvider
    {
        public ReloadableConfigurationProvider(IDictionary<string, string?> initial)
        {
            Data = new Dictionary<string, string?>(initial, StringComparer.OrdinalIgnoreCase);
        }

        public void Replace(IDictionary<string, string?> settings)
        {
            Data = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
