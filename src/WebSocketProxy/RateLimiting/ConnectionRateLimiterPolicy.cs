using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace WebSocketProxy.RateLimiting;

/// <summary>A handshake rate limiter policy partitioned per client IP address or per user; a rejection is 429 with <c>Retry-After</c>.</summary>
internal abstract class ConnectionRateLimiterPolicy : IRateLimiterPolicy<string>
{
    private static readonly Func<OnRejectedContext, CancellationToken, ValueTask> Rejected = static (context, _) =>
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ValueTask.CompletedTask;
    };

    private readonly int _permitLimit;
    private readonly TimeSpan _window;

    protected ConnectionRateLimiterPolicy(int permitLimit, TimeSpan window)
    {
        _permitLimit = permitLimit;
        _window = window;
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => Rejected;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        => RateLimitPartition.GetTokenBucketLimiter(PartitionKey(httpContext), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = _permitLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = _window / _permitLimit,
            QueueLimit = 0,
            AutoReplenishment = false, // the partitioned limiter replenishes every partition from one timer
        });

    protected abstract string PartitionKey(HttpContext context);
}

/// <summary>Handshakes per client IP address.</summary>
internal sealed class PerIpConnectionRateLimiterPolicy(IOptions<ConnectionRateLimitOptions> options)
    : ConnectionRateLimiterPolicy(options.Value.PerIpPermitLimit, options.Value.PerIpWindow)
{
    protected override string PartitionKey(HttpContext context) => ClientKeys.Ip(context);
}

/// <summary>Handshakes per user (anonymous clients: per IP address).</summary>
internal sealed class PerUserConnectionRateLimiterPolicy(IOptions<ConnectionRateLimitOptions> options)
    : ConnectionRateLimiterPolicy(options.Value.PerUserPermitLimit, options.Value.PerUserWindow)
{
    protected override string PartitionKey(HttpContext context) => ClientKeys.User(context);
}
