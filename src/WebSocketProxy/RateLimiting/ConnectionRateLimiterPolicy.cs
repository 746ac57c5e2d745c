using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using WebSocketProxy.Model;

namespace WebSocketProxy.RateLimiting;

/// <summary>A handshake rate limiter policy partitioned per client IP address or per user; a rejection is 429 with <c>Retry-After</c>.</summary>
internal abstract class ConnectionRateLimiterPolicy : IRateLimiterPolicy<string>
{
    private static readonly Func<OnRejectedContext, CancellationToken, ValueTask> Rejected = static (context, _) =>
    {
        var response = context.HttpContext.Response;
        if (context.Lease.TryGetMetadata(HandshakeRateLimitMetadata.StoreUnavailable, out var unavailable) && unavailable)
        {
            // Like the concurrent-session limiter failing closed: limits_unavailable, try again shortly.
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "1";
            response.ContentType = "text/plain; charset=utf-8";
            return new ValueTask(response.WriteAsync("Connection limits cannot be checked right now (" + RejectionReasons.LimitsUnavailable + ").\n", context.HttpContext.RequestAborted));
        }

        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ValueTask.CompletedTask;
    };

    private readonly string _policy;
    private readonly IHandshakeRateLimiterPartitions _partitions;
    private readonly TokenBucketRateLimiterOptions _options;

    protected ConnectionRateLimiterPolicy(string policy, int permitLimit, TimeSpan window, IHandshakeRateLimiterPartitions partitions)
    {
        _policy = policy;
        _partitions = partitions;
        _options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = permitLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = window / permitLimit,
            QueueLimit = 0,
            AutoReplenishment = false, // the partitioned limiter replenishes every partition from one timer
        };
    }

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => Rejected;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        => _partitions.GetPartition(_policy, PartitionKey(httpContext), _options);

    protected abstract string PartitionKey(HttpContext context);
}

/// <summary>Handshakes per client IP address.</summary>
internal sealed class PerIpConnectionRateLimiterPolicy(IOptions<ConnectionRateLimitOptions> options, IHandshakeRateLimiterPartitions partitions)
    : ConnectionRateLimiterPolicy(ConnectionRateLimitPolicies.PerIp, options.Value.PerIpPermitLimit, options.Value.PerIpWindow, partitions)
{
    protected override string PartitionKey(HttpContext context) => ClientKeys.Ip(context);
}

/// <summary>Handshakes per user (anonymous clients: per IP address).</summary>
internal sealed class PerUserConnectionRateLimiterPolicy(IOptions<ConnectionRateLimitOptions> options, IHandshakeRateLimiterPartitions partitions)
    : ConnectionRateLimiterPolicy(ConnectionRateLimitPolicies.PerUser, options.Value.PerUserPermitLimit, options.Value.PerUserWindow, partitions)
{
    protected override string PartitionKey(HttpContext context) => ClientKeys.User(context);
}
