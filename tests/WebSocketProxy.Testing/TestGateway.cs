using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Testing;

/// <summary>A real Kestrel gateway on 127.0.0.1:0 running WebSocketProxy, configured in code.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly LoopbackHost _host;

    private TestGateway(LoopbackHost host)
    {
        _host = host;
    }

    /// <summary>Gets the running application.</summary>
    public WebApplication App => _host.App;

    /// <summary>Gets the port the gateway listens on.</summary>
    public int Port => _host.Port;

    /// <summary>Gets the gateway's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The WebSocket address of <paramref name="path"/> on the gateway.</summary>
    /// <param name="path">The path (and query).</param>
    /// <returns>The URI, e.g. <c>ws://127.0.0.1:12345/ws</c>.</returns>
    public Uri Ws(string path) => _host.Ws(path);

    /// <summary>The HTTP address of <paramref name="path"/> on the gateway.</summary>
    /// <param name="path">The path (and query).</param>
    /// <returns>The URI, e.g. <c>http://127.0.0.1:12345/ready</c>.</returns>
    public Uri Http(string path) => _host.Http(path);

    /// <summary>A gateway with one route <c>r</c> (<c>/ws/{**rest}</c>) to one cluster <c>c</c> of one backend <c>b1</c>.</summary>
    /// <param name="backend">The backend's address.</param>
    /// <param name="route">Changes the route.</param>
    /// <param name="cluster">Changes the cluster.</param>
    /// <param name="options">Changes the rest of the options, after the route and cluster are set.</param>
    /// <param name="services">Registers more services.</param>
    /// <returns>The started gateway.</returns>
    public static Task<TestGateway> StartAsync(Uri backend, Func<RouteConfig, RouteConfig>? route = null, Func<ClusterConfig, ClusterConfig>? cluster = null, Action<WebSocketProxyOptions>? options = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return StartAsync(
            o =>
            {
                o.Routes["r"] = (route ?? (r => r))(new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" });
                o.Clusters["c"] = (cluster ?? (c => c))(new ClusterConfig
                {
                    Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.ToString() } },
                });
                options?.Invoke(o);
            },
            services);
    }

    /// <summary>A gateway whose options <paramref name="configure"/> sets (<c>AddWebSocketProxy(configure)</c>).</summary>
    /// <param name="configure">Sets routes, clusters and the rest of the options.</param>
    /// <param name="services">Registers more services.</param>
    /// <param name="map">Maps the endpoints; <c>MapWebSocketProxy()</c> when null.</param>
    /// <returns>The started gateway.</returns>
    public static async Task<TestGateway> StartAsync(Action<WebSocketProxyOptions> configure, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var host = await LoopbackHost.StartAsync(
            builder =>
            {
                builder.Services.AddWebSocketProxy(configure);
                services?.Invoke(builder.Services);
            },
            app =>
            {
                if (map is null)
                {
                    app.MapWebSocketProxy();
                }
                else
                {
                    map(app);
                }
            });
        return new TestGateway(host);
    }

    /// <summary>Stops the gateway.</summary>
    /// <returns>A task that completes when the gateway is stopped.</returns>
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
