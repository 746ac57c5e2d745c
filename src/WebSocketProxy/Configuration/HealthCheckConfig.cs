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

    /// <summary>Gets whether connections are still tried on unhealthy backends when every backend is unhealthy ("panic mode", as Envoy does).</summary>
    /// <value>
    /// Defaults to <see langword="true"/>: a cluster whose only backend crashed serves again as soon as the backend is back (the first
    /// connection that succeeds closes its circuit breaker) instead of answering 503 for the rest of the break; while the backend is
    /// still down clients get 502. <see langword="false"/> answers 503 with <c>Retry-After</c> until a backend is healthy again.
    /// </value>
    public bool? PanicMode { get; init; }

    /// <summary>Gets the <c>Retry-After</c> sent with a 503 when no backend is available.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan? RetryAfter { get; init; }
}
