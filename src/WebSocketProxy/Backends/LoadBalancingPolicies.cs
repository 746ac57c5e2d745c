namespace WebSocketProxy.Backends;

/// <summary>Names of the built-in load-balancing policies.</summary>
public static class LoadBalancingPolicies
{
    /// <summary>Picks the less loaded of two random backends, by live connection count. The default.</summary>
    public const string PowerOfTwoChoices = nameof(PowerOfTwoChoices);

    /// <summary>Cycles through the backends in order.</summary>
    public const string RoundRobin = nameof(RoundRobin);

    /// <summary>Picks the backend with the fewest live connections (the first of equals, in order).</summary>
    public const string LeastConnections = nameof(LeastConnections);

    /// <summary>Picks a backend uniformly at random.</summary>
    public const string Random = nameof(Random);

    /// <summary>Maps a key (header, query parameter, claim, route value or client IP; see <c>ClusterConfig.HashKey</c>) to a backend on a hash ring, so the same key keeps reaching the same backend without cookies.</summary>
    public const string ConsistentHash = nameof(ConsistentHash);
}
