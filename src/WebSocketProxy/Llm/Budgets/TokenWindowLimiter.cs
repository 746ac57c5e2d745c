using System.Threading.RateLimiting;

namespace WebSocketProxy.Llm;

/// <summary>
/// A fixed-window token limiter whose leases can be reconciled: a request reserves its estimate, and once the real
/// usage is known the difference is given back (or charged) in the same window.
/// </summary>
/// <remarks>Minute windows start with the first request; day windows are aligned to UTC midnight. Thread-safe.</remarks>
internal sealed class TokenWindowLimiter : RateLimiter
{
    private readonly long _limit;
    private readonly TimeSpan _window;
    private readonly bool _alignToUtcDay;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private long _used;
    private DateTimeOffset _windowEnd = DateTimeOffset.MinValue;
    private long _lastActivity;

    public TokenWindowLimiter(long limit, TimeSpan window, bool alignToUtcDay, TimeProvider time)
    {
        _limit = limit;
        _window = window;
        _alignToUtcDay = alignToUtcDay;
        _time = time;
        _lastActivity = time.GetTimestamp();
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Roll(_time.GetUtcNow());
                return _used == 0 ? _time.GetElapsedTime(_lastActivity) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Roll(_time.GetUtcNow());
            return new RateLimiterStatistics { CurrentAvailablePermits = Math.Max(0, _limit - _used) };
        }
    }

    /// <summary>Gives back (negative) or charges (positive) tokens of a lease taken in the window ending at <paramref name="windowEnd"/>.</summary>
    public void Adjust(long delta, DateTimeOffset windowEnd)
    {
        lock (_lock)
        {
            Roll(_time.GetUtcNow());
            if (delta > 0 || windowEnd == _windowEnd)
            {
                _used = Math.Max(0, _used + delta);
            }
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            Roll(now);
            _lastActivity = _time.GetTimestamp();
            if (_used + permitCount <= _limit)
            {
                _used += permitCount;
                return new TokenWindowLease(this, permitCount, _windowEnd, null);
            }

            return new TokenWindowLease(null, 0, _windowEnd, _windowEnd - now);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        => ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Roll(DateTimeOffset now)
    {
        if (now < _windowEnd)
        {
            return;
        }

        _used = 0;
        _windowEnd = _alignToUtcDay ? new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + TimeSpan.FromDays(1) : now + _window;
    }
}
