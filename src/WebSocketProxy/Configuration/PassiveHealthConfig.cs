namespace WebSocketProxy.Configuration;

/// <summary>
/// Passive health: a circuit breaker per backend fed by connect failures, connect timeouts and backends
/// that vanish from a live session (the 1014 path). An open breaker takes the backend out of selection;
/// after <see cref="BreakDuration"/> one trial connection is let through (half-open).
/// </summary>
public sealed record PassiveHealthConfig
{
    /// <summary>Gets whether the circuit breakers are on.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool? Enabled { get; init; }

    /// <summary>Gets the share of failures within <see cref="SamplingDuration"/> that opens the breaker, between 0 and 1.</summary>
    /// <value>Defaults to 0.5.</value>
    public double? FailureRatio { get; init; }

    /// <summary>Gets how many outcomes the sampling window must hold before the breaker may open.</summary>
    /// <value>Defaults to 5.</value>
    public int? MinimumThroughput { get; init; }

    /// <summary>Gets the sliding window over which failures are counted.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan? SamplingDuration { get; init; }

    /// <summary>Gets how long an open breaker keeps the backend out of selection before a trial connection.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan? BreakDuration { get; init; }
}
