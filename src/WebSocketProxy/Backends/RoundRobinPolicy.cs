using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Cycles through the candidates in order.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _counter;

    public string Name => LoadBalancingPolicies.RoundRobin;

    public BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates)
    {
        var next = Interlocked.Increment(ref _counter) - 1;
        return candidates[(int)(next % (uint)candidates.Count)];
    }
}
