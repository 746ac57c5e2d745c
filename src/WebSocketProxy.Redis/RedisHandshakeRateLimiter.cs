using System.Threading.RateLimiting;
using StackExchange.Redis;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Redis;

/// <summary>
/// One partition of a handshake rate limiter policy shared by every instance: a token bucket in a Redis hash, taken
/// from by one Lua script per handshake and refilled continuously by Redis server time (the same rate and burst as the
/// in-process bucket: <c>TokenLimit</c> tokens, <c>TokensPerPeriod</c> per <c>ReplenishmentPeriod</c>). A refusal
/// carries <see cref="MetadataName.RetryAfter"/> (until the next token), so the policy answers 429 with <c>Retry-After</c>.
/// </summary>
/// <remarks>
/// Redis down or slower than <see cref="RedisOptions.OperationTimeout"/>: fail open takes from this instance's own
/// bucket (which the partitioned limiter replenishes through <see cref="TryReplenish"/>), fail closed refuses with
/// <see cref="HandshakeRateLimitMetadata.StoreUnavailable"/>. Never waits longer than the timeout.
/// </remarks>
internal sealed class RedisHandshakeRateLimiter : ReplenishingRateLimiter
{
    // KEYS[1]: the bucket; ARGV: capacity, tokens per millisecond, requested. Returns {1, 0} when taken, else {0, ms until enough}.
    internal const string TakeScript = """
        local cap = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local req = tonumber(ARGV[3])

        """ + RedisTokenBucketLua.Refill + """
        local taken = 0
        local wait = 0
        if tokens >= req then
          tokens = tokens - req
          taken = 1
        else
          wait = math.ceil((req - tokens) / rate)
        end
        """ + RedisTokenBucketLua.Save + """
        return { taken, wait }
        """;

    private static readonly RateLimitLease Acquired = new Lease(true, null, false);
    private static readonly RateLimitLease AskAsync = new Lease(false, null, false);
    private static readonly RateLimitLease Unavailable = new Lease(false, null, true);

    private readonly RedisHandshakeRateLimiterPartitions _owner;
    private readonly RedisKey _key;
    private readonly string _policy;
    private readonly int _tokenLimit;
    private readonly double _perMillisecond;
    private readonly TokenBucketRateLimiter _local;
    private int _active;
    private long _lastUsed;

    public RedisHandshakeRateLimiter(RedisHandshakeRateLimiterPartitions owner, RedisKey key, string policy, TokenBucketRateLimiterOptions options)
    {
        _owner = owner;
        _key = key;
        _policy = policy;
        _tokenLimit = options.TokenLimit;
        _perMillisecond = options.TokensPerPeriod / options.ReplenishmentPeriod.TotalMilliseconds;
        _local = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.TokenLimit,
            TokensPerPeriod = options.TokensPerPeriod,
            ReplenishmentPeriod = options.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = false,
        });
        _lastUsed = owner.TimeProvider.GetTimestamp();
    }

    public override bool IsAutoReplenishing => false;

    public override TimeSpan ReplenishmentPeriod => _local.ReplenishmentPeriod;

    /// <summary>Idle while no handshake is in flight and the local (fail-open) bucket is full: the partitioned limiter may then drop it, the bucket lives on in Redis.</summary>
    public override TimeSpan? IdleDuration
        => Volatile.Read(ref _active) > 0 || _local.IdleDuration is null
            ? null
            : _owner.TimeProvider.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override bool TryReplenish() => _local.TryReplenish();

    public override RateLimiterStatistics? GetStatistics() => _local.GetStatistics();

    // The rate limiting middleware tries a synchronous acquire first and asks asynchronously when it fails: the Redis round trip happens there.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => permitCount == 0 ? Acquired : AskAsync;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _tokenLimit);
        if (permitCount == 0)
        {
            return Acquired;
        }

        Interlocked.Increment(ref _active);
        try
        {
            var redis = _owner.Redis;
            var multiplexer = await redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var result = (RedisResult[]?)await multiplexer.GetDatabase()
                .ScriptEvaluateAsync(TakeScript, [_key], [_tokenLimit, _perMillisecond, permitCount])
                .WaitAsync(redis.Options.OperationTimeout, cancellationToken)
                .ConfigureAwait(false);
            if (result is not { Length: 2 })
            {
                throw new RedisException("Unexpected answer of the handshake rate script.");
            }

            _owner.Answered();
            return (int)result[0] == 1 ? Acquired : new Lease(false, TimeSpan.FromMilliseconds((long)result[1]), false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _owner.Failed(_policy, ex.Message);
            return _owner.Redis.Options.FailOpen ? _local.AttemptAcquire(permitCount) : Unavailable;
        }
        finally
        {
            Interlocked.Exchange(ref _lastUsed, _owner.TimeProvider.GetTimestamp());
            Interlocked.Decrement(ref _active);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override ValueTask DisposeAsyncCore() => _local.DisposeAsync();

    private sealed class Lease(bool isAcquired, TimeSpan? retryAfter, bool unavailable) : RateLimitLease
    {
        public override bool IsAcquired => isAcquired;

        public override IEnumerable<string> MetadataNames
        {
            get
            {
                if (retryAfter is not null)
                {
                    yield return MetadataName.RetryAfter.Name;
                }

                if (unavailable)
                {
                    yield return HandshakeRateLimitMetadata.StoreUnavailable.Name;
                }
            }
        }

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            if (unavailable && metadataName == HandshakeRateLimitMetadata.StoreUnavailable.Name)
            {
                metadata = true;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
