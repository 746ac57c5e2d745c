using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Redis;

/// <summary>Per-user message limit buckets shared through Redis (<see cref="RedisLeasedTokenBucket"/>), one per route, user, direction and kind.</summary>
internal sealed partial class RedisSharedTokenBuckets : ISharedTokenBuckets
{
    private const string Feature = "message_limits";

    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisSharedTokenBuckets> _logger;

    public RedisSharedTokenBuckets(RedisConnection redis, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<RedisSharedTokenBuckets> logger)
    {
        Redis = redis;
        _metrics = metrics;
        TimeProvider = timeProvider;
        _logger = logger;
    }

    public RedisConnection Redis { get; }

    public TimeProvider TimeProvider { get; }

    public bool FailOpen => Redis.Options.FailOpen;

    public ITokenBucket Create(string key, double perSecond, double capacity)
        => new RedisLeasedTokenBucket(this, Redis.Key("msgrate:{" + key + "}"), perSecond, capacity);

    internal void LeaseFailed(string error, bool wasFailing)
    {
        _metrics.SharedStoreFailed(Feature, FailOpen ? "fail_open" : "fail_closed");
        if (!wasFailing)
        {
            Log.LeaseFailed(_logger, error, FailOpen ? "each instance applies the limit on its own" : "messages are refused");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedMessageLimitFailed, EventName = nameof(EventIds.SharedMessageLimitFailed), Level = LogLevel.Warning, Message = "A shared per-user message limit could not lease tokens from Redis ({Error}); until it can, {Outcome}.")]
        public static partial void LeaseFailed(ILogger logger, string error, string outcome);
    }
}
