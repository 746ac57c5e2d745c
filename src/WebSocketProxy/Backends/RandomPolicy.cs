using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Backends;

/// <summary>Picks a candidate uniformly at random.</summary>
internal sealed class RandomPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.Random;

    public Backend? PickBackend(ProxyConnectionContext context, IReadOnlyList<Backend> candidates)
        => candidates[System.Random.Shared.Next(candidates.Count)];
}
