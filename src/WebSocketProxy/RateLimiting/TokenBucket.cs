namespace WebSocketProxy.RateLimiting;

/// <summary>A continuously refilled token bucket on <see cref="TimeProvider"/> timestamps. Thread-safe.</summary>
/// <remarks>
/// A take larger than the capacity succeeds when the bucket is full and leaves it in debt, so a message bigger than
/// the burst is slowed, never starved. A forced take always succeeds (a message already half forwarded must finish).
/// </remarks>
internal sealed class TokenBucket : ITokenBucket
{
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly double _perSecond;
    private readonly double _perTick;
    private readonly double _capacity;
    private double _tokens;
    private long _updated;

    public TokenBucket(double perSecond, double capacity, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _perSecond = perSecond;
        _perTick = perSecond / timeProvider.TimestampFrequency;
        _capacity = capacity;
        _tokens = capacity;
        _updated = timeProvider.GetTimestamp();
    }

    /// <summary>Takes <paramref name="count"/> tokens, or tells how long until they would be there.</summary>
    public bool TryTake(double count, bool force, out TimeSpan retryAfter)
    {
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + ((now - _updated) * _perTick));
            _updated = now;
            var needed = Math.Min(count, _capacity);
            if (force || _tokens >= needed)
            {
                _tokens -= count;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            var wait = TimeSpan.FromSeconds((needed - _tokens) / _perSecond);
            retryAfter = wait < MinimumWait ? MinimumWait : wait;
            return false;
        }
    }

    /// <summary>Gives back tokens taken for a message that was not forwarded after all.</summary>
    public void Refund(double count)
    {
        lock (_lock)
        {
            _tokens = Math.Min(_capacity, _tokens + count);
        }
    }
}
