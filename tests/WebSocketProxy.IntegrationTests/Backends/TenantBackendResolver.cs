using WebSocketProxy.Backends;
using WebSocketProxy.Forwarding;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// A sample resolver that routes by a claim: the user's <c>tenant</c> claim picks the backend set of that
/// tenant, from the cluster's backends whose <c>Metadata:tenant</c> matches. Backends are created once and
/// reused so live counts and health stay with them.
/// </summary>
public sealed class TenantBackendResolver : IBackendResolver
{
    private readonly Dictionary<(string Cluster, string Id, string Address), BackendState> _backends = [];
    private readonly Lock _lock = new();

    public string Name => "tenant";

    public ValueTask<IReadOnlyList<BackendState>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
    {
        var tenant = context.HttpContext.User.FindFirst("tenant")?.Value;
        var result = new List<BackendState>();
        if (tenant is null || context.Cluster.Backends is null)
        {
            return ValueTask.FromResult<IReadOnlyList<BackendState>>(result);
        }

        lock (_lock)
        {
            foreach (var (id, config) in context.Cluster.Backends)
            {
                if (config.Metadata?.GetValueOrDefault("tenant") == tenant && config.Address is { } address)
                {
                    var key = (context.ClusterId, id, address);
                    if (!_backends.TryGetValue(key, out var backend))
                    {
                        backend = new BackendState(id, new Uri(address));
                        _backends[key] = backend;
                    }

                    result.Add(backend);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<BackendState>>(result);
    }
}
