using WebSocketProxy.Configuration;

namespace WebSocketProxy.Routing;

/// <summary>Endpoint metadata that marks a proxy route and carries its validated settings.</summary>
internal sealed class ProxyRouteMetadata
{
    public ProxyRouteMetadata(ProxyRoute route, ProxyCluster? inlineCluster)
    {
        Route = route;
        InlineCluster = inlineCluster;
    }

    public ProxyRoute Route { get; }

    /// <summary>Gets the cluster of a code route mapped with <c>ToBackends</c>; configured routes use the current snapshot's cluster.</summary>
    public ProxyCluster? InlineCluster { get; }
}
