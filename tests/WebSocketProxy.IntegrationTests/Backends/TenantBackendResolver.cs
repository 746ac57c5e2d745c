using WebSocketProxy.Backends;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// A sample resolver that routes by a claim: the user's <c>tenant</c> claim picks the backend set of that
/// tenant, from the cluster's backends whose <c>Metadata:tenant</c> matches. It builds new descriptions on every
/// call; the proxy keeps one state per description, so live counts and health stay with the backend.
/// </summary>
public sealed class TenantBackendResolver : IBackendResolver
{
    public string Name => "tenant";

    public ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
    {
        var tenant = context.HttpContext.User.FindFirst("tenant")?.Value;
        var result = new List<BackendDescription>();
        if (tenant is null || context.Cluster.Backends is null)
        {
            return ValueTask.FromResult<IReadOnlyList<BackendDescription>>(result);
        }

        foreach (var (id, config) in context.Cluster.Backends)
        {
            if (config.Metadata?.GetValueOrDefault("tenant") == tenant && config.Address is { } address)
            {
                result.Add(new BackendDescription(id, new Uri(address)));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<BackendDescription>>(result);
    }
}
