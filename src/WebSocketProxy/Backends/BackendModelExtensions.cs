using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>The backends stage's view of the shared model: the features and health it attached.</summary>
internal static class BackendModelExtensions
{
    /// <summary>Gets the cluster's backend settings, built by <see cref="BackendsClusterValidator"/>.</summary>
    public static ClusterBackendSettings BackendSettings(this ClusterModel cluster) => cluster.Features.Require<ClusterBackendSettings>();

    /// <summary>Gets the route's backend handshake policy, built by <see cref="BackendHandshakeRouteValidator"/>.</summary>
    public static BackendHandshakePolicy HandshakePolicy(this RouteModel route) => route.Features.Require<BackendHandshakePolicy>();

    /// <summary>Gets the health the backends stage keeps for a backend (every state is created with one).</summary>
    public static BackendHealth HealthState(this BackendState backend) => (BackendHealth)backend.Health;
}
