using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Backends;

/// <summary>Cycles through the candidates in order.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _counter;

    public string Name => LoadBalancingPolicies.RoundRobin;

    public Backend? PickBackend(ProxyConnectionContext context, IReadOnlyList<Backend> candidates)
    {
        var next = Interlocked.Increment(ref _counter) - 1;
        return candidates[(int)(next % (uint)candidates.Count)];
    }
}
