namespace WebSocketProxy.Configuration;

/// <summary>How many sessions of a route may be open at once per client IP address and per user.</summary>
/// <remarks>A handshake over a limit is answered 429 with <c>Retry-After</c>; the permit is held for the session's lifetime.</remarks>
public sealed record ConcurrentConnectionLimitConfig
{
    /// <summary>Gets the maximum number of open sessions per client IP address.</summary>
    /// <value>Defaults to 100 on every route, even one without this section, so one address cannot hold unbounded memory; 0 turns the limit off (trusted networks, load tests).</value>
    public int? PerIp { get; init; }

    /// <summary>Gets the maximum number of open sessions per authenticated user (anonymous clients count per IP address).</summary>
    /// <value>No limit by default.</value>
    public int? PerUser { get; init; }
}
