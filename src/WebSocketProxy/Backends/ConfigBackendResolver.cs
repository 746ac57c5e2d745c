using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Returns the cluster's configured backends.</summary>
internal sealed class ConfigBackendResolver : IBackendResolver
{
    public string Name => BackendResolvers.Config;

    public ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
        => ValueTask.FromResult(context.ConfiguredBackends);
}
