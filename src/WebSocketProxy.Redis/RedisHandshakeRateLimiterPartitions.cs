using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Redis;

/// <summary>
/// The partitions of the handshake rate limiter policies, shared through Redis: one <see cref="RedisHandshakeRateLimiter"/>
/// (a token bucket in a Redis hash) per policy and client IP address / user.
/// </summary>
/// <remarks>
/// Redis down or slower than <see cref="RedisOptions.OperationTimeout"/>: fail open (default) takes from this instance's
/// own token bucket of the same partition (as without Redis), fail closed refuses with 503 <c>limits_unavailable</c>;
/// both log a warning (once per outage) and count <c>websocket_proxy.shared_store.failures</c> with feature <c>handshake_rate</c>.
/// </remarks>
internal sealed partial class RedisHandshakeRateLimiterPartitions : IHandshakeRateLimiterPartitions
{
    private const string Feature = "handshake_rate";

    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisHandshakeRateLimiterPartitions> _logger;
    private volatile bool _failing;

    public RedisHandshakeRateLimiterPartitions(RedisConnection redis, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<RedisHandshakeRateLimiterPartitions> logger)
    {
        Redis = redis;
        TimeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
    }

    public RedisConnection Redis { get; }

    public TimeProvider TimeProvider { get; }

    public RateLimitPartition<string> GetPartition(string policy, string key, TokenBucketRateLimiterOptions options)
        => RateLimitPartition.Get(key, k => new RedisHandshakeRateLimiter(this, Redis.Key("hsrate:{" + policy + ":" + k + "}"), policy, options));

    /// <summary>Redis answered: the next failure logs its warning again.</summary>
    internal void Answered()
    {
        if (_failing)
        {
            _failing = false;
        }
    }

    /// <summary>Counts every failure; logs the first of an outage only (a handshake flood during an outage must not flood the log too).</summary>
    internal void Failed(string policy, string error)
    {
        var failOpen = Redis.Options.FailOpen;
        _metrics.SharedStoreFailed(Feature, failOpen ? "fail_open" : "fail_closed");
        if (_failing)
        {
            return;
        }

        _failing = true;
        if (failOpen)
        {
            Log.FailOpen(_logger, policy, error);
        }
        else
        {
            Log.FailClosed(_logger, policy, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedHandshakeRateFailOpen, EventName = nameof(EventIds.SharedHandshakeRateFailOpen), Level = LogLevel.Warning, Message = "Handshake rate limiter policy {Policy}: Redis did not answer ({Error}); the rate applies per instance (fail open).")]
        public static partial void FailOpen(ILogger logger, string policy, string error);

        [LoggerMessage(EventId = EventIds.SharedHandshakeRateFailClosed, EventName = nameof(EventIds.SharedHandshakeRateFailClosed), Level = LogLevel.Warning, Message = "Handshake rate limiter policy {Policy}: Redis did not answer ({Error}); the handshake is refused with 503 (fail closed).")]
        public static partial void FailClosed(ILogger logger, string policy, string error);
    }
}
