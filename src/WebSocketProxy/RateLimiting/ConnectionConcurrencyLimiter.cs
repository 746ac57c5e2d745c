using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>Concurrent sessions per route and client IP address / user: partitioned concurrency limiters whose permits a session holds for its lifetime.</summary>
internal sealed class ConnectionConcurrencyLimiter : IConcurrentSessionLimiter, IDisposable
{
    /// <summary>Sessions per route and client IP address when a route sets no limit: bounds what one address can hold.</summary>
    public const int DefaultPerIp = 100;

    private readonly PartitionedRateLimiter<PartitionKey> _limiter = PartitionedRateLimiter.Create<PartitionKey, PartitionKey>(
        static key => RateLimitPartition.GetConcurrencyLimiter(key, static k => new ConcurrencyLimiterOptions
        {
            PermitLimit = k.Limit,
            QueueLimit = 0,
        }));

    /// <summary>Takes the session's permits, or none of them; <paramref name="leases"/> releases them when disposed.</summary>
    /// <returns><see langword="false"/> when a limit is reached; <paramref name="limit"/> then names it (<c>ip</c> or <c>user</c>).</returns>
    public bool TryAcquire(HttpContext context, string routeId, ConcurrentConnectionLimitConfig? config, out ConnectionLeases? leases, out string? limit)
    {
        leases = null;
        limit = null;
        var perIp = config?.PerIp ?? DefaultPerIp;
        var perUser = config?.PerUser ?? 0;
        if (perIp <= 0 && perUser <= 0)
        {
            return true;
        }

        RateLimitLease? ipLease = null;
        if (perIp > 0)
        {
            ipLease = _limiter.AttemptAcquire(new PartitionKey(routeId, "ip", ClientKeys.Ip(context), perIp));
            if (!ipLease.IsAcquired)
            {
                ipLease.Dispose();
                limit = "ip";
                return false;
            }
        }

        RateLimitLease? userLease = null;
        if (perUser > 0)
        {
            userLease = _limiter.AttemptAcquire(new PartitionKey(routeId, "user", ClientKeys.User(context), perUser));
            if (!userLease.IsAcquired)
            {
                userLease.Dispose();
                ipLease?.Dispose();
                limit = "user";
                return false;
            }
        }

        leases = new ConnectionLeases(ipLease, userLease);
        return true;
    }

    /// <inheritdoc />
    public ValueTask<ConcurrencyDecision> TryAcquireAsync(HttpContext context, string routeId, ConcurrentConnectionLimitConfig? config, CancellationToken cancellationToken)
        => new(TryAcquire(context, routeId, config, out var leases, out var limit) ? ConcurrencyDecision.Admitted(leases) : ConcurrencyDecision.Refused(limit!));

    /// <summary>Validates a concurrent-session limit, adding every error to <paramref name="errors"/>.</summary>
    public static void Validate(ConcurrentConnectionLimitConfig? config, string key, List<string> errors)
    {
        if (config is not null && (config.PerIp is < 0 || config.PerUser is <= 0))
        {
            errors.Add($"{key} limits must be positive (PerIp: 0 turns the default per-IP limit off).");
        }
    }

    public void Dispose() => _limiter.Dispose();

    /// <remarks>A class: a struct key makes the JIT compile the partitioned limiter and its dictionary again for it in every process.</remarks>
    private sealed record PartitionKey(string Route, string Kind, string Value, int Limit);
}
