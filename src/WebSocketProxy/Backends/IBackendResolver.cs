using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Decides which backends may serve a connection.</summary>
/// <remarks>
/// Registered by name with <c>AddBackendResolver</c> and chosen per cluster with <see cref="Configuration.ClusterConfig.Resolver"/>.
/// A resolver describes backends; the proxy keeps one <see cref="BackendState"/> per description (compared by value),
/// so health, connection limits and live counts survive however often a resolver builds new descriptions.
/// Implementations must be thread-safe.
/// </remarks>
public interface IBackendResolver
{
    /// <summary>Gets the name clusters use to choose this resolver.</summary>
    string Name { get; }

    /// <summary>Returns the candidate backends for one connection.</summary>
    /// <param name="context">The connection being set up; <see cref="ProxyConnectionContext.ConfiguredBackends"/> lists the cluster's configured backends.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    /// <returns>The candidates; an empty list answers the client 503.</returns>
    ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken);
}
