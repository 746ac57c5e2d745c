using StackExchange.Redis;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Redis;

/// <summary>
/// A per-user message bucket shared by every instance, without a Redis round trip per message: the bucket lives in
/// Redis (refilled by server time in a Lua script); each instance leases a slice of tokens (100 ms of the rate) and
/// spends it locally, asking for the next slice in the background when half of it is gone.
/// </summary>
/// <remarks>
/// Accuracy: every token spent is taken from the shared bucket, so over time the cluster-wide rate is exact. While a
/// lease is in flight an instance may borrow up to one slice ahead (repaid from its next lease), so the burst can be
/// exceeded by at most one slice per instance; tokens leased but not spent when a user's last session ends on an
/// instance are lost (at most one slice). Redis down: fail open spends from a local bucket with the same rate (per
/// instance, as without Redis), fail closed refuses; a lease is retried at most every slice interval, and the first
/// success switches back.
/// </remarks>
internal sealed class RedisLeasedTokenBucket : ITokenBucket
{
    /// <summary>How much of the rate one lease asks for.</summary>
    public static readonly TimeSpan LeaseWindow = TimeSpan.FromMilliseconds(100);

    // KEYS[1]: the bucket; ARGV: rate per second, capacity, requested. Returns the granted whole tokens.
    internal const string LeaseScript = """
        local rate = tonumber(ARGV[1]) / 1000
        local cap = tonumber(ARGV[2])
        local req = tonumber(ARGV[3])

        """ + RedisTokenBucketLua.Refill + """
        local grant = math.max(0, math.min(req, math.floor(tokens)))
        tokens = tokens - grant
        """ + RedisTokenBucketLua.Save + """
        return grant
        """;

    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly RedisSharedTokenBuckets _owner;
    private readonly RedisKey _key;
    private readonly double _perSecond;
    private readonly double _capacity;
    private readonly double _slice;
    private readonly long _retryTicks;
    private readonly TokenBucket _fallback;
    private double _allowance;
    private bool _leasing;
    private long _nextLeaseAt;
    private volatile bool _failing;

    public RedisLeasedTokenBucket(RedisSharedTokenBuckets owner, RedisKey key, double perSecond, double capacity)
    {
        _owner = owner;
        _key = key;
        _perSecond = perSecond;
        _capacity = capacity;
        _slice = Math.Clamp(Math.Ceiling(perSecond * LeaseWindow.TotalSeconds), 1, Math.Max(1, capacity));
        _retryTicks = (long)(owner.TimeProvider.TimestampFrequency * Math.Max(LeaseWindow.TotalSeconds, _slice / perSecond));
        _fallback = new TokenBucket(perSecond, capacity, owner.TimeProvider);
        StartLease();
    }

    /// <summary>Gets the tokens leased and not spent yet (negative: borrowed ahead of a lease in flight).</summary>
    public double Allowance
    {
        get
        {
            lock (_lock)
            {
                return _allowance;
            }
        }
    }

    /// <summary>Gets the size of one lease.</summary>
    public double Slice => _slice;

    public bool TryTake(double count, bool force, out TimeSpan retryAfter)
    {
        if (_failing)
        {
            StartLease(); // at most one attempt per retry interval: notices Redis coming back
            if (_owner.FailOpen)
            {
                return _fallback.TryTake(count, force, out retryAfter);
            }

            retryAfter = LeaseWindow;
            return force;
        }

        bool taken;
        bool low;
        double missing;
        lock (_lock)
        {
            var needed = Math.Min(count, _capacity);
            taken = force || _allowance >= needed || (_leasing && _allowance - needed >= -_slice);
            if (taken)
            {
                _allowance -= count;
            }

            low = _allowance < _slice / 2;
            missing = needed - _allowance;
        }

        if (low)
        {
            StartLease();
        }

        if (taken)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        var wait = TimeSpan.FromSeconds(missing / _perSecond);
        retryAfter = wait < MinimumWait ? MinimumWait : wait;
        return false;
    }

    public void Refund(double count)
    {
        if (_failing)
        {
            _fallback.Refund(count);
            return;
        }

        lock (_lock)
        {
            _allowance += count;
        }
    }

    private void StartLease()
    {
        double request;
        lock (_lock)
        {
            var now = _owner.TimeProvider.GetTimestamp();
            if (_leasing || now < _nextLeaseAt)
            {
                return;
            }

            request = Math.Ceiling(_slice - _allowance);
            if (request <= 0)
            {
                // A lease that completed since the caller saw the allowance low already refilled it: asking for nothing
                // would be answered with nothing and hold off the next lease for a whole retry interval.
                return;
            }

            _leasing = true;
        }

        _ = LeaseAsync(request);
    }

    private async Task LeaseAsync(double request)
    {
        var granted = 0.0;
        var failed = false;
        try
        {
            var multiplexer = await _owner.Redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var result = await multiplexer.GetDatabase()
                .ScriptEvaluateAsync(LeaseScript, [_key], [_perSecond, _capacity, request])
                .WaitAsync(_owner.Redis.Options.OperationTimeout)
                .ConfigureAwait(false);
            granted = (double)result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            failed = true;
            _owner.LeaseFailed(ex.Message, wasFailing: _failing);
        }

        lock (_lock)
        {
            _allowance += granted;
            _leasing = false;

            // Nothing granted: the shared bucket is empty (or Redis is away); ask again no sooner than a slice refills.
            _nextLeaseAt = granted > 0 ? 0 : _owner.TimeProvider.GetTimestamp() + _retryTicks;
        }

        if (!failed && _failing)
        {
            _failing = false;
        }
        else if (failed)
        {
            _failing = true;
        }
    }
}
