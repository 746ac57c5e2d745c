using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>One validated generation of the configuration. Immutable; connections keep the one they started with.</summary>
internal sealed class ProxyConfigSnapshot
{
    public ProxyConfigSnapshot(WebSocketProxyOptions options, IReadOnlyDictionary<string, RouteModel> routes, IReadOnlyDictionary<string, ClusterModel> clusters)
    {
        Options = options;
        Routes = routes;
        Clusters = clusters;
    }

    public WebSocketProxyOptions Options { get; }

    public IReadOnlyDictionary<string, RouteModel> Routes { get; }

    public IReadOnlyDictionary<string, ClusterModel> Clusters { get; }
}
