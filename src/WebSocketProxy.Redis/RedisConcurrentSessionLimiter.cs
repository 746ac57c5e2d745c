using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Redis;

/// <summary>
/// Concurrent-session permits that every instance shares: one sorted set per route and IP address / user, one member
/// per held permit scored with its expiry (Redis server time, so instance clocks do not matter). Taking is one Lua
/// script (expired members out, count, all-or-none add); the heartbeat renews this instance's permits, so a crashed
/// instance's permits expire after <see cref="RedisOptions.EntryTimeToLive"/>, and re-creates them after a Redis restart.
/// </summary>
/// <remarks>
/// Redis down or slower than <see cref="RedisOptions.OperationTimeout"/>: fail open (default) applies this
/// instance's in-memory limiter instead, fail closed refuses with 503; both log a warning and count
/// <c>websocket_proxy.shared_store.failures</c>.
/// </remarks>
internal sealed partial class RedisConcurrentSessionLimiter : IConcurrentSessionLimiter
{
    private const string Feature = "concurrent_sessions";

    // KEYS[1]: one permit set; ARGV[1]: time to live (ms); ARGV[2..]: this instance's permit ids in it.
    private const string RenewScript = """
        local t = redis.call('TIME')
        local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
        for i = 2, #ARGV do
          redis.call('ZADD', KEYS[1], expires, ARGV[i])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return #ARGV - 1
        """;

    // KEYS: the permit sets; ARGV[1]: time to live (ms); ARGV[2]: the permit id; ARGV[3..]: each key's limit.
    // Returns 0 when every permit was taken, else the 1-based index of the full key (nothing taken).
    private const string AcquireLua = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local ttl = tonumber(ARGV[1])
        for i = 1, #KEYS do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
          if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 + i]) then
            return i
          end
        end
        for i = 1, #KEYS do
          redis.call('ZADD', KEYS[i], now + ttl, ARGV[2])
          redis.call('PEXPIRE', KEYS[i], ttl)
        end
        return 0
        """;

    private readonly RedisConnection _redis;
    private readonly ConnectionConcurrencyLimiter _local;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisConcurrentSessionLimiter> _logger;
    private readonly ConcurrentDictionary<RedisPermit, byte> _held = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public RedisConcurrentSessionLimiter(RedisConnection redis, ConnectionConcurrencyLimiter local, ProxyMetrics metrics, ILogger<RedisConcurrentSessionLimiter> logger)
    {
        _redis = redis;
        _local = local;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Gets the number of permits this instance holds in Redis.</summary>
    public int HeldCount => _held.Count;

    /// <inheritdoc />
    public async ValueTask<ConcurrencyDecision> TryAcquireAsync(HttpContext context, string routeId, ConcurrentConnectionLimitConfig? config, CancellationToken cancellationToken)
    {
        var perIp = config?.PerIp ?? ConnectionConcurrencyLimiter.DefaultPerIp;
        var perUser = config?.PerUser ?? 0;
        if (perIp <= 0 && perUser <= 0)
        {
            return ConcurrencyDecision.Admitted(null);
        }

        // One hash tag per route: both keys of a session live in one slot, so the script also runs on Redis Cluster.
        var keys = new List<(RedisKey Key, int Limit, string Kind)>(2);
        if (perIp > 0)
        {
            keys.Add((_redis.Key($"permits:{{{routeId}}}:ip:{ClientKeys.Ip(context)}"), perIp, "ip"));
        }

        if (perUser > 0)
        {
            keys.Add((_redis.Key($"permits:{{{routeId}}}:user:{ClientKeys.User(context)}"), perUser, "user"));
        }

        var member = _instance + ":" + Guid.NewGuid().ToString("N");
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var args = new RedisValue[2 + keys.Count];
            args[0] = (long)_redis.Options.EffectiveTimeToLive.TotalMilliseconds;
            args[1] = member;
            for (var i = 0; i < keys.Count; i++)
            {
                args[2 + i] = keys[i].Limit;
            }

            var result = await multiplexer.GetDatabase()
                .ScriptEvaluateAsync(AcquireLua, keys.Select(k => k.Key).ToArray(), args)
                .WaitAsync(_redis.Options.OperationTimeout, cancellationToken)
                .ConfigureAwait(false);
            var full = (int)result;
            if (full > 0)
            {
                return ConcurrencyDecision.Refused(keys[full - 1].Kind);
            }

            var permits = new RedisPermits(this, keys.Select(k => new RedisPermit(k.Key, member)).ToArray());
            foreach (var permit in permits.Items)
            {
                _held.TryAdd(permit, 0);
            }

            return ConcurrencyDecision.Admitted(permits);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (_redis.Options.FailOpen)
            {
                _metrics.SharedStoreFailed(Feature, "fail_open");
                Log.FailOpen(_logger, routeId, ex.Message);
                return await _local.TryAcquireAsync(context, routeId, config, cancellationToken).ConfigureAwait(false);
            }

            _metrics.SharedStoreFailed(Feature, "fail_closed");
            Log.FailClosed(_logger, routeId, ex.Message);
            return ConcurrencyDecision.StoreUnavailable();
        }
    }

    /// <summary>Renews every permit this instance holds (re-creating them after a Redis restart). Called by the heartbeat.</summary>
    public async Task RenewAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var ttl = (long)_redis.Options.EffectiveTimeToLive.TotalMilliseconds;
        var renewals = new List<Task>();
        foreach (var group in _held.Keys.GroupBy(p => p.Key))
        {
            var args = new RedisValue[1 + group.Count()];
            args[0] = ttl;
            var i = 1;
            foreach (var permit in group)
            {
                args[i++] = permit.Member;
            }

            renewals.Add(database.ScriptEvaluateAsync(RenewScript, [group.Key], args));
        }

        await Task.WhenAll(renewals).WaitAsync(_redis.Options.OperationTimeout * 2, cancellationToken).ConfigureAwait(false);
    }

    private void Release(RedisPermit[] permits)
    {
        foreach (var permit in permits)
        {
            _held.TryRemove(permit, out _);
        }

        _ = ReleaseAsync(permits);
    }

    private async Task ReleaseAsync(RedisPermit[] permits)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false);
            if (multiplexer is null)
            {
                Log.ReleaseFailed(_logger, "Redis is not connected");
                return;
            }

            var database = multiplexer.GetDatabase();
            await Task.WhenAll(permits.Select(p => database.SortedSetRemoveAsync(p.Key, p.Member))).WaitAsync(_redis.Options.OperationTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not renewed any more: the permit expires with its time to live.
            Log.ReleaseFailed(_logger, ex.Message);
        }
    }

    private readonly record struct RedisPermit(RedisKey Key, string Member);

    private sealed class RedisPermits(RedisConcurrentSessionLimiter owner, RedisPermit[] items) : IDisposable
    {
        private int _disposed;

        public RedisPermit[] Items { get; } = items;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(Items);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedLimitFailOpen, EventName = nameof(EventIds.SharedLimitFailOpen), Level = LogLevel.Warning, Message = "Route {Route}: Redis did not answer ({Error}); concurrent-session limits apply per instance (fail open).")]
        public static partial void FailOpen(ILogger logger, string route, string error);

        [LoggerMessage(EventId = EventIds.SharedLimitFailClosed, EventName = nameof(EventIds.SharedLimitFailClosed), Level = LogLevel.Warning, Message = "Route {Route}: Redis did not answer ({Error}); the handshake is refused (fail closed).")]
        public static partial void FailClosed(ILogger logger, string route, string error);

        [LoggerMessage(EventId = EventIds.SharedPermitReleaseFailed, EventName = nameof(EventIds.SharedPermitReleaseFailed), Level = LogLevel.Warning, Message = "A concurrent-session permit could not be released in Redis ({Error}); it expires with its time to live.")]
        public static partial void ReleaseFailed(ILogger logger, string error);
    }
}
