using System.Collections.Concurrent;
using System.Net;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// The <see cref="HttpMessageInvoker"/>s the backend leg and the health probes use: one shared invoker for every
/// cluster without TLS settings, and one per cluster that has them (the TLS options live on the handler).
/// </summary>
internal sealed class BackendHttpInvokers : IDisposable
{
    private readonly HttpMessageInvoker _shared = new(CreateWebSocketHandler(), disposeHandler: true);
    private readonly ConcurrentDictionary<string, (string Key, HttpMessageInvoker Invoker)> _tls = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (string Key, HttpMessageInvoker Invoker)> _requests = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The invoker for a cluster's forwarded HTTP requests (<c>ForwardHttp</c>): its own pool per cluster, with the cluster's TLS
    /// settings and its connect timeout on the handler (the forwarder gives no per-request connect deadline).
    /// </summary>
    public HttpMessageInvoker GetForRequests(ClusterModel cluster)
    {
        var settings = cluster.BackendSettings();
        var key = (settings.Tls is { } tls ? BackendTls.Key(tls) : string.Empty) + "|" + settings.ConnectTimeout.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_requests.TryGetValue(cluster.Id, out var entry) && entry.Key == key)
        {
            return entry.Invoker;
        }

        var handler = CreateHandler();
        handler.ConnectTimeout = settings.ConnectTimeout;
        if (settings.Tls is { } clusterTls)
        {
            BackendTls.Apply(handler.SslOptions, clusterTls);
        }

        var invoker = new HttpMessageInvoker(handler, disposeHandler: true);

        // A replaced invoker is not disposed: requests in flight (long polls) may still use it.
        _requests[cluster.Id] = (key, invoker);
        return invoker;
    }

    public HttpMessageInvoker Get(ClusterModel cluster)
    {
        var tls = cluster.BackendSettings().Tls;
        if (tls is null)
        {
            return _shared;
        }

        var key = BackendTls.Key(tls);
        if (_tls.TryGetValue(cluster.Id, out var entry) && entry.Key == key)
        {
            return entry.Invoker;
        }

        var handler = CreateWebSocketHandler();
        BackendTls.Apply(handler.SslOptions, tls);
        var invoker = new HttpMessageInvoker(handler, disposeHandler: true);

        // A replaced invoker is not disposed: live sessions may still run over connections it opened.
        _tls[cluster.Id] = (key, invoker);
        return invoker;
    }

    public void Dispose()
    {
        _shared.Dispose();
        foreach (var (_, entry) in _tls)
        {
            entry.Invoker.Dispose();
        }

        foreach (var (_, entry) in _requests)
        {
            entry.Invoker.Dispose();
        }
    }

    /// <summary>The handler of the HTTP/2 backend WebSocket leg and of the health probes (HTTP/1.1 WebSocket backends connect over <see cref="BackendTransport"/>).</summary>
    private static SocketsHttpHandler CreateWebSocketHandler() => CreateHandler();

    private static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ActivityHeadersPropagator = null, // trace context is set explicitly in BackendHandshakeHeaders
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = Timeout.InfiniteTimeSpan, // bounded per cluster by the connect timeout
    };
}
