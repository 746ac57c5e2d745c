using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Backends;

/// <summary>Returns the cluster's configured backends.</summary>
internal sealed class ConfigBackendResolver : IBackendResolver
{
    public string Name => BackendResolvers.Config;

    public ValueTask<IReadOnlyList<Backend>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
        => ValueTask.FromResult(context.ClusterState.Backends);
}
