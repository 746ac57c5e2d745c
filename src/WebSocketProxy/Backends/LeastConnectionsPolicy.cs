using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Backends;

/// <summary>Picks the candidate with the fewest live connections (the first of equals).</summary>
internal sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.LeastConnections;

    public Backend? PickBackend(ProxyConnectionContext context, IReadOnlyList<Backend> candidates)
    {
        var best = candidates[0];
        var bestLoad = best.Slots;
        for (var i = 1; i < candidates.Count; i++)
        {
            var load = candidates[i].Slots;
            if (load < bestLoad)
            {
                best = candidates[i];
                bestLoad = load;
            }
        }

        return best;
    }
}
