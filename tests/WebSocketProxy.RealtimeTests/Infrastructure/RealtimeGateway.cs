using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>
/// A gateway on 127.0.0.1:0 configured the way a user configures it: <c>AddWebSocketProxy(configuration)</c> bound to
/// the <c>WebSocketProxy</c> section, then <c>MapWebSocketProxy()</c>.
/// </summary>
internal sealed class RealtimeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RealtimeGateway(WebApplication app)
    {
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    public int Port { get; }

    public Uri Http(string pathAndQuery) => new($"http://127.0.0.1:{Port}{pathAndQuery}");

    public Uri Ws(string pathAndQuery) => new($"ws://127.0.0.1:{Port}{pathAndQuery}");

    public static async Task<RealtimeGateway> StartAsync(GatewaySettings settings, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider());
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // only the test's settings configure the gateway
        }

        builder.Configuration.AddInMemoryCollection(settings.Values);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection(GatewaySettings.Section));
        var app = builder.Build();
        app.MapWebSocketProxy();
        await app.StartAsync(cancellationToken);
        return new RealtimeGateway(app);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
