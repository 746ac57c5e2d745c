namespace WebSocketProxy.Configuration;

/// <summary>How a cluster decides which of its backends are healthy.</summary>
public sealed record HealthCheckConfig
{
    /// <summary>Gets the active probing settings.</summary>
    /// <value>Off by default.</value>
    public ActiveHealthConfig? Active { get; init; }

    /// <summary>Gets the passive (circuit breaker) settings.</summary>
    /// <value>On by default with the defaults of <see cref="PassiveHealthConfig"/>.</value>
    public PassiveHealthConfig? Passive { get; init; }

    /// <summary>Gets whether connections are still tried on unhealthy backends when every backend is unhealthy ("panic mode").</summary>
    /// <value>Defaults to <see langword="false"/>: the client gets 503 with <c>Retry-After</c>.</value>
    public bool? PanicMode { get; init; }

    /// <summary>Gets the <c>Retry-After</c> sent with a 503 when no backend is available.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan? RetryAfter { get; init; }
}
