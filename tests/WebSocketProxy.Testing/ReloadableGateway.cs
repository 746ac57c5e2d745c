using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace WebSocketProxy.Testing;

/// <summary>A real Kestrel gateway on 127.0.0.1:0 bound to the <c>WebSocketProxy</c> section of a <see cref="ReloadableConfiguration"/>, for reloads and membership changes.</summary>
public sealed class ReloadableGateway : IAsyncDisposable
{
    private readonly LoopbackHost _host;
    private readonly ReloadableConfiguration _configuration;

    private ReloadableGateway(LoopbackHost host, ReloadableConfiguration configuration)
    {
        _host = host;
        _configuration = configuration;
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

    /// <summary>Starts a gateway: <c>AddWebSocketProxy(configuration.GetSection("WebSocketProxy"))</c> and <c>MapWebSocketProxy()</c>.</summary>
    /// <param name="settings">The first settings (flat keys such as <c>WebSocketProxy:Routes:r:Path</c>).</param>
    /// <param name="configure">Registers more services or configuration, after <c>AddWebSocketProxy</c>.</param>
    /// <param name="map">Maps more endpoints, after <c>MapWebSocketProxy()</c>.</param>
    /// <returns>The started gateway.</returns>
    public static async Task<ReloadableGateway> StartAsync(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null, Action<WebApplication>? map = null)
    {
        var configuration = new ReloadableConfiguration(settings);
        var host = await LoopbackHost.StartAsync(
            builder =>
            {
                ((IConfigurationBuilder)builder.Configuration).Add(configuration);
                builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
                configure?.Invoke(builder);
            },
            app =>
            {
                app.MapWebSocketProxy();
                map?.Invoke(app);
            });
        return new ReloadableGateway(host, configuration);
    }

    /// <summary>Replaces every setting and raises the configuration's reload token.</summary>
    /// <param name="settings">The new settings.</param>
    public void Reload(IDictionary<string, string?> settings) => _configuration.Reload(settings);

    /// <summary>Stops the gateway.</summary>
    /// <returns>A task that completes when the gateway is stopped.</returns>
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
