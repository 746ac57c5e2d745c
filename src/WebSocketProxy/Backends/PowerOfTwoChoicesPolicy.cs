using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Picks two backends at random and keeps the one with fewer live connections.</summary>
internal sealed class PowerOfTwoChoicesPolicy : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.PowerOfTwoChoices;

    public BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates)
    {
        var count = candidates.Count;
        if (count == 1)
        {
            return candidates[0];
        }

        var first = Random.Shared.Next(count);
        var second = Random.Shared.Next(count - 1);
        if (second >= first)
        {
            second++;
        }

        var a = candidates[first];
        var b = candidates[second];
        // Slots = live sessions + handshakes in flight, so a burst of simultaneous connects spreads too.
        return b.ConnectionSlots < a.ConnectionSlots ? b : a;
    }
}
