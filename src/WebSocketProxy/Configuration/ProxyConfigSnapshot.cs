namespace WebSocketProxy.Configuration;

/// <summary>One validated generation of the configuration. Immutable; connections keep the one they started with.</summary>
internal sealed class ProxyConfigSnapshot
{
    public ProxyConfigSnapshot(WebSocketProxyOptions options, IReadOnlyDictionary<string, ProxyRoute> routes, IReadOnlyDictionary<string, ProxyCluster> clusters)
    {
        Options = options;
        Routes = routes;
        Clusters = clusters;
    }

    public WebSocketProxyOptions Options { get; }

    public IReadOnlyDictionary<string, ProxyRoute> Routes { get; }

    public IReadOnlyDictionary<string, ProxyCluster> Clusters { get; }
}
