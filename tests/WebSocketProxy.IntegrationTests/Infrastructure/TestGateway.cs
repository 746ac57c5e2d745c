using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>A real Kestrel gateway on 127.0.0.1:0 running WebSocketProxy.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    private TestGateway(WebApplication app)
    {
        App = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public IServiceProvider Services => App.Services;

    public Uri Ws(string path) => new($"ws://127.0.0.1:{Port}{path}");

    public Uri Http(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>A gateway with one route <c>/ws/{**rest}</c> to one backend.</summary>
    public static Task<TestGateway> StartAsync(Uri backend, Func<RouteConfig, RouteConfig>? route = null, Func<ClusterConfig, ClusterConfig>? cluster = null, Action<WebSocketProxyOptions>? options = null, Action<IServiceCollection>? services = null)
        => StartAsync(
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

    public static async Task<TestGateway> StartAsync(Action<WebSocketProxyOptions> configure, Action<IServiceCollection>? services = null, Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWebSocketProxy(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        if (map is null)
        {
            app.MapWebSocketProxy();
        }
        else
        {
            map(app);
        }

        await app.StartAsync();
        return new TestGateway(app);
    }

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
}
