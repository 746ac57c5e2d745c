using WebSocketProxy.Model;

namespace WebSocketProxy.Routing;

/// <summary>Endpoint metadata that marks a proxy route and carries its validated settings.</summary>
internal sealed class ProxyRouteMetadata
{
    public ProxyRouteMetadata(RouteModel route, ClusterModel? inlineCluster)
    {
        Route = route;
        InlineCluster = inlineCluster;
    }

    public RouteModel Route { get; }

    /// <summary>Gets the cluster of a code route mapped with <c>ToBackends</c>; configured routes use the current snapshot's cluster.</summary>
    public ClusterModel? InlineCluster { get; }
}
