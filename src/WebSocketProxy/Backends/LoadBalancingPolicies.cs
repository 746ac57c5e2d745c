namespace WebSocketProxy.Backends;

/// <summary>Names of the built-in load-balancing policies.</summary>
public static class LoadBalancingPolicies
{
    /// <summary>Picks the less loaded of two random backends, by live connection count. The default.</summary>
    public const string PowerOfTwoChoices = nameof(PowerOfTwoChoices);

    /// <summary>Cycles through the backends in order.</summary>
    public const string RoundRobin = nameof(RoundRobin);
}
