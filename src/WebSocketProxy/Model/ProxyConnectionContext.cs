using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>One proxied connection: the handshake request, its route and cluster, and the chosen backend.</summary>
/// <remarks>Created per connection; extensions may read it from any thread but only the proxy changes it.</remarks>
public sealed class ProxyConnectionContext
{
    internal ProxyConnectionContext(HttpContext httpContext, RouteModel route, ClusterModel cluster)
    {
        HttpContext = httpContext;
        RouteModel = route;
        ClusterModel = cluster;
    }

    /// <summary>Gets the HTTP context of the handshake request. Its <see cref="HttpContext.User"/> is the authenticated client.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Gets the id of the route that matched.</summary>
    public string RouteId => RouteModel.Id;

    /// <summary>Gets the configuration of the route that matched.</summary>
    public RouteConfig Route => RouteModel.Config;

    /// <summary>Gets the id of the cluster serving the connection.</summary>
    public string ClusterId => ClusterModel.Id;

    /// <summary>Gets the configuration of the cluster serving the connection.</summary>
    public ClusterConfig Cluster => ClusterModel.Config;

    /// <summary>Gets the backends configured for the cluster (the <c>Backends</c> section), the starting point of a backend resolver.</summary>
    public IReadOnlyList<BackendDescription> ConfiguredBackends => ClusterModel.BackendDescriptions;

    /// <summary>Gets the backend serving the connection, once one is chosen.</summary>
    /// <value><see langword="null"/> until the backend accepted the handshake.</value>
    public BackendState? Backend { get; internal set; }

    /// <summary>Gets an id for this connection, the handshake request's trace identifier.</summary>
    public string ConnectionId => HttpContext.TraceIdentifier;

    internal RouteModel RouteModel { get; }

    internal ClusterModel ClusterModel { get; }
}
