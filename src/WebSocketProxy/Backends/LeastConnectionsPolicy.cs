using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Picks the candidate with the fewest live sessions (plus handshakes in flight); ties go round-robin, so short-lived connections spread too.</summary>
internal sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    private uint _offset;

    public string Name => LoadBalancingPolicies.LeastConnections;

    public BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates)
    {
        var count = candidates.Count;
        var start = (int)((Interlocked.Increment(ref _offset) - 1) % (uint)count);
        var best = candidates[start];
        var bestLoad = best.ConnectionSlots;
        for (var i = 1; i < count; i++)
        {
            var candidate = candidates[(start + i) % count];
            var load = candidate.ConnectionSlots;
            if (load < bestLoad)
            {
                best = candidate;
                bestLoad = load;
            }
        }

        return best;
    }
}
