using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>
/// Concurrent-session permits per route and client IP address / user, held for a session's lifetime. The default is
/// <see cref="ConnectionConcurrencyLimiter"/> (this process); the Redis package replaces it with permits every instance shares.
/// </summary>
internal interface IConcurrentSessionLimiter
{
    /// <summary>Takes the session's permits (all or none). Never throws for a store failure: the implementation decides to fail open or closed.</summary>
    ValueTask<ConcurrencyDecision> TryAcquireAsync(HttpContext context, string routeId, ConcurrentConnectionLimitConfig? config, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IConcurrentSessionLimiter"/> decided.</summary>
/// <param name="Permits">Released when disposed; null when nothing is held (no limit, or refused).</param>
/// <param name="RefusedLimit">The limit reached (<c>ip</c> or <c>user</c>); null when admitted.</param>
/// <param name="Unavailable">The shared store could not answer and the limiter fails closed: refuse with 503.</param>
internal readonly record struct ConcurrencyDecision(IDisposable? Permits, string? RefusedLimit, bool Unavailable = false)
{
    public bool Acquired => RefusedLimit is null && !Unavailable;

    public static ConcurrencyDecision Admitted(IDisposable? permits) => new(permits, null);

    public static ConcurrencyDecision Refused(string limit) => new(null, limit);

    public static ConcurrencyDecision StoreUnavailable() => new(null, null, Unavailable: true);
}
