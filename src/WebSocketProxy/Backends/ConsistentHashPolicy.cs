using System.Collections.Concurrent;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Maps the connection's hash key to a backend on a <see cref="HashRing"/>; connections without a key are placed at random.</summary>
/// <remarks>Rings are cached per distinct candidate set (a few per cluster: all backends, and sets with some unhealthy).</remarks>
internal sealed class ConsistentHashPolicy : ILoadBalancingPolicy
{
    private const int MaxCachedRings = 256;

    private readonly ConcurrentDictionary<string, HashRing> _rings = new(StringComparer.Ordinal);

    public string Name => LoadBalancingPolicies.ConsistentHash;

    public BackendState? PickBackend(ProxyConnectionContext context, IReadOnlyList<BackendState> candidates)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var key = context.ClusterModel.BackendSettings().HashKey.GetKey(context);
        if (key is null)
        {
            return candidates[System.Random.Shared.Next(candidates.Count)];
        }

        return GetRing(candidates).Find(key);
    }

    private HashRing GetRing(IReadOnlyList<BackendState> candidates)
    {
        var ids = new string[candidates.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            // Id and address: a backend re-pointed by a reload is a different ring member.
            ids[i] = candidates[i].Id + "\u0001" + candidates[i].Address.OriginalString;
        }

        Array.Sort(ids, StringComparer.Ordinal);
        var fingerprint = string.Join('\u0002', ids);
        if (_rings.TryGetValue(fingerprint, out var ring))
        {
            return ring;
        }

        if (_rings.Count >= MaxCachedRings)
        {
            _rings.Clear();
        }

        ring = new HashRing(candidates);
        _rings[fingerprint] = ring;
        return ring;
    }
}
