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
    private readonly HttpMessageInvoker _shared = new(CreateHandler(), disposeHandler: true);
    private readonly ConcurrentDictionary<string, (string Key, HttpMessageInvoker Invoker)> _tls = new(StringComparer.OrdinalIgnoreCase);

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

        var handler = CreateHandler();
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
    }

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
