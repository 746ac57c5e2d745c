using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Picks a candidate uniformly at random.</summary>
internal sealed class RandomPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.Random;

    public BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates)
        => candidates[System.Random.Shared.Next(candidates.Count)];
}
