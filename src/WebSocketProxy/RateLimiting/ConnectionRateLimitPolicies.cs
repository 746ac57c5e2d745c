namespace WebSocketProxy.RateLimiting;

/// <summary>Names of the handshake rate limiter policies registered by <c>AddHandshakeRateLimiterPolicies</c>, for <c>RequireRateLimiting</c> or a route's <c>RateLimiterPolicy</c>.</summary>
public static class ConnectionRateLimitPolicies
{
    /// <summary>Handshakes per client IP address.</summary>
    public const string PerIp = "websocket-proxy-connections-per-ip";

    /// <summary>Handshakes per authenticated user; anonymous clients count per IP address.</summary>
    public const string PerUser = "websocket-proxy-connections-per-user";
}
