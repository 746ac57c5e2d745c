using Microsoft.AspNetCore.Http;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>One proxied connection: the handshake request, its route and cluster, and the chosen backend.</summary>
/// <remarks>Created per connection; extensions may read it from any thread but only the proxy changes it.</remarks>
public sealed class ProxyConnectionContext
{
    internal ProxyConnectionContext(HttpContext httpContext, ProxyRoute route, ProxyCluster cluster)
    {
        HttpContext = httpContext;
        RouteState = route;
        ClusterState = cluster;
    }

    /// <summary>Gets the HTTP context of the handshake request. Its <see cref="HttpContext.User"/> is the authenticated client.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Gets the id of the route that matched.</summary>
    public string RouteId => RouteState.Id;

    /// <summary>Gets the configuration of the route that matched.</summary>
    public RouteConfig Route => RouteState.Config;

    /// <summary>Gets the id of the cluster serving the connection.</summary>
    public string ClusterId => ClusterState.Id;

    /// <summary>Gets the configuration of the cluster serving the connection.</summary>
    public ClusterConfig Cluster => ClusterState.Config;

    /// <summary>Gets the backend serving the connection, once one is chosen.</summary>
    /// <value><see langword="null"/> until the backend accepted the handshake.</value>
    public Backend? Backend { get; internal set; }

    /// <summary>Gets an id for this connection, the handshake request's trace identifier.</summary>
    public string ConnectionId => HttpContext.TraceIdentifier;

    internal ProxyRoute RouteState { get; }

    internal ProxyCluster ClusterState { get; }

    /// <summary>Gets or sets the session's message rate limiters, set by the handshake gate; null when the route has none.</summary>
    internal SessionMessageLimits? MessageLimits { get; set; }
}
