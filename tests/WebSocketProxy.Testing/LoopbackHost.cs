using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.Testing;

/// <summary>A real Kestrel <see cref="WebApplication"/> listening on <c>127.0.0.1</c>, on a port the system picks.</summary>
/// <remarks>
/// Logging providers are cleared; stopping is bounded by <see cref="StopTimeout"/>. Endpoints set in code
/// (<c>ConfigureKestrel(k =&gt; k.Listen(IPAddress.Loopback, 0, l =&gt; l.UseHttps(...)))</c>) replace the default
/// <c>http://127.0.0.1:0</c>; the first bound address is the one exposed (<c>https</c> gives <c>wss</c>).
/// </remarks>
public sealed class LoopbackHost : IAsyncDisposable
{
    private LoopbackHost(WebApplication app, Uri httpBase)
    {
        App = app;
        HttpBase = httpBase;
        WsBase = new UriBuilder(httpBase) { Scheme = httpBase.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
    }

    /// <summary>Gets or sets how long <see cref="DisposeAsync"/> waits for a graceful stop (open requests and WebSockets to end) before disposing anyway.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets the running application.</summary>
    public WebApplication App { get; }

    /// <summary>Gets the application's services.</summary>
    public IServiceProvider Services => App.Services;

    /// <summary>Gets the port Kestrel bound.</summary>
    public int Port => HttpBase.Port;

    /// <summary>Gets the bound address as an HTTP URI, e.g. <c>http://127.0.0.1:12345/</c>.</summary>
    public Uri HttpBase { get; }

    /// <summary>Gets the bound address as a WebSocket URI, e.g. <c>ws://127.0.0.1:12345/</c>.</summary>
    public Uri WsBase { get; }

    /// <summary>The HTTP URI of <paramref name="pathAndQuery"/> on this host.</summary>
    /// <param name="pathAndQuery">An absolute path, optionally with a query, e.g. <c>/health?x=1</c>.</param>
    /// <returns>The URI.</returns>
    public Uri Http(string pathAndQuery) => new(HttpBase, pathAndQuery);

    /// <summary>The WebSocket URI of <paramref name="pathAndQuery"/> on this host.</summary>
    /// <param name="pathAndQuery">An absolute path, optionally with a query, e.g. <c>/ws/room?x=1</c>.</param>
    /// <returns>The URI.</returns>
    public Uri Ws(string pathAndQuery) => new(WsBase, pathAndQuery);

    /// <summary>Builds and starts a host whose pipeline <paramref name="configureApp"/> sets up.</summary>
    /// <param name="configureApp">Adds middleware and endpoints to the built application.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started host.</returns>
    public static Task<LoopbackHost> StartAsync(Action<WebApplication> configureApp, CancellationToken cancellationToken = default)
        => StartAsync(null, configureApp, cancellationToken);

    /// <summary>Builds and starts a host: <paramref name="configureBuilder"/> registers services and configuration, <paramref name="configureApp"/> sets up the pipeline.</summary>
    /// <param name="configureBuilder">Registers services (<see cref="WebApplicationBuilder.Services"/>), configuration sources and Kestrel options; may be null.</param>
    /// <param name="configureApp">Adds middleware and endpoints to the built application.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The started host.</returns>
    /// <remarks>When building or starting throws, the application is disposed and the exception propagates unchanged.</remarks>
    public static async Task<LoopbackHost> StartAsync(Action<WebApplicationBuilder>? configureBuilder, Action<WebApplication> configureApp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configureApp);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // appsettings.json of a referenced sample may sit in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // Run the suite in the gateway image's scheduling (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1): Kestrel's pipes inline too.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1");
        configureBuilder?.Invoke(builder);
        var app = builder.Build();
        try
        {
            configureApp(app);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new LoopbackHost(app, new Uri(address));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the host (waiting at most <see cref="StopTimeout"/>) and disposes it.</summary>
    /// <returns>A task that completes when the host is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await App.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await App.DisposeAsync();
    }
}
