using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Picks one backend out of the available candidates for a new connection.</summary>
/// <remarks>Registered with <c>AddLoadBalancingPolicy</c>, chosen per cluster by <see cref="Name"/>. Implementations must be thread-safe.</remarks>
public interface ILoadBalancingPolicy
{
    /// <summary>Gets the policy name; built-in names are in <see cref="LoadBalancingPolicies"/>.</summary>
    string Name { get; }

    /// <summary>Picks a backend.</summary>
    /// <param name="context">The connection being set up.</param>
    /// <param name="candidates">The available backends; never empty.</param>
    /// <returns>The chosen backend, or <see langword="null"/> to refuse the connection (503).</returns>
    BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates);
}
