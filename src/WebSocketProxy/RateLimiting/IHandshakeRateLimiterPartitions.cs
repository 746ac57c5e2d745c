using System.Threading.RateLimiting;

namespace WebSocketProxy.RateLimiting;

/// <summary>
/// Makes the partitions of the handshake rate limiter policies (<see cref="ConnectionRateLimitPolicies"/>): the default
/// is <see cref="LocalHandshakeRateLimiterPartitions"/> (a token bucket in this process); the Redis package replaces it
/// with buckets every instance shares.
/// </summary>
internal interface IHandshakeRateLimiterPartitions
{
    /// <summary>Gets the partition of <paramref name="key"/> (a client IP address or user) of <paramref name="policy"/>, a token bucket with <paramref name="options"/>.</summary>
    RateLimitPartition<string> GetPartition(string policy, string key, TokenBucketRateLimiterOptions options);
}

/// <summary>The default <see cref="IHandshakeRateLimiterPartitions"/>: ASP.NET Core's token bucket, per process.</summary>
internal sealed class LocalHandshakeRateLimiterPartitions : IHandshakeRateLimiterPartitions
{
    public RateLimitPartition<string> GetPartition(string policy, string key, TokenBucketRateLimiterOptions options)
        => RateLimitPartition.GetTokenBucketLimiter(key, _ => options);
}

/// <summary>Lease metadata of the handshake rate limiter policies.</summary>
internal static class HandshakeRateLimitMetadata
{
    /// <summary>Set on a refused lease when the shared store could not answer and the limiter fails closed: the policy answers 503.</summary>
    public static readonly MetadataName<bool> StoreUnavailable = new("websocket-proxy.limits-unavailable");
}
