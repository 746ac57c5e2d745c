using WebSocketProxy.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// A real Kestrel gateway on 127.0.0.1:0 configured only through configuration keys (an in-memory
/// <c>WebSocketProxy</c> section), so a test can name a key that does not exist yet: it compiles today,
/// the binder ignores the key, and the test fails at run time until the key is implemented.
/// </summary>
public sealed class ConfiguredGateway : IAsyncDisposable
{
    private ConfiguredGateway(WebApplication app)
    {
        App = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    public WebApplication App { get; }

    public int Port { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Gets the log collector; present when the gateway was started with <c>captureLogs</c>.</summary>
    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    public Uri Ws(string path) => new($"ws://127.0.0.1:{Port}{path}");

    /// <summary>The settings of one route <c>r</c> (<c>/ws/{**rest}</c>) to a cluster <c>c</c> with one backend <c>b1</c>.</summary>
    public static Dictionary<string, string?> OneRoute(Uri backend, string path = "/ws/{**rest}") => new(StringComparer.OrdinalIgnoreCase)
    {
        ["WebSocketProxy:Routes:r:Path"] = path,
        ["WebSocketProxy:Routes:r:Cluster"] = "c",
        ["WebSocketProxy:Clusters:c:Backends:b1:Address"] = backend.ToString(),
    };

    /// <summary>Starts a gateway from <paramref name="settings"/>; with <paramref name="captureLogs"/> every log record (Trace and up) goes to a <see cref="FakeLogCollector"/>.</summary>
    public static async Task<ConfiguredGateway> StartAsync(IDictionary<string, string?> settings, CancellationToken cancellationToken, Action<IServiceCollection>? services = null, bool captureLogs = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (captureLogs)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddFakeLogging();
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        try
        {
            app.MapWebSocketProxy();
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ConfiguredGateway(app);
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
