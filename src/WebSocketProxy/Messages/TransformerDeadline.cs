using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace WebSocketProxy.Messages;

/// <summary>
/// Waits for a transformer that did not complete at once, for at most the time left in the message's budget, without
/// allocating: one instance per pump, one timer created on first use and re-armed per wait.
/// </summary>
/// <remarks>One wait at a time. A transformer that overruns is abandoned (its session closes); its late completion is ignored.</remarks>
internal sealed class TransformerDeadline : IValueTaskSource<bool>, IDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly Action _onCompleted;
    private ManualResetValueTaskSourceCore<bool> _core;
    private ValueTaskAwaiter<MessageTransformResult> _awaiter;
    private ITimer? _timer;
    private long _startedAt;
    private TimeSpan _budget;
    private long _state; // (wait number << 1) | 1 once that wait is decided

    public TransformerDeadline(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _onCompleted = OnCompleted;
    }

    /// <summary>Completes with <see langword="true"/> when <paramref name="pending"/> completed in time (read it with <see cref="GetResult"/>), <see langword="false"/> when <paramref name="budget"/> elapsed first.</summary>
    public ValueTask<bool> WaitAsync(ValueTask<MessageTransformResult> pending, TimeSpan budget)
    {
        _core.Reset();
        _budget = budget;
        _startedAt = _timeProvider.GetTimestamp();
        Volatile.Write(ref _state, ((_state >> 1) + 1) << 1); // a new, undecided wait (published after its start time)
        var timer = _timer ??= _timeProvider.CreateTimer(static state => ((TransformerDeadline)state!).OnExpired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(budget, Timeout.InfiniteTimeSpan);
        _awaiter = pending.GetAwaiter();
        _awaiter.UnsafeOnCompleted(_onCompleted);
        return new ValueTask<bool>(this, _core.Version);
    }

    /// <summary>Gets the transformer's result after a wait that completed in time; throws what the transformer threw.</summary>
    public MessageTransformResult GetResult()
    {
        var awaiter = _awaiter;
        _awaiter = default;
        return awaiter.GetResult();
    }

    public void Dispose() => _timer?.Dispose();

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void OnCompleted()
    {
        var state = Volatile.Read(ref _state);
        if ((state & 1) == 0 && Interlocked.CompareExchange(ref _state, state | 1, state) == state)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _core.SetResult(true);
        }
    }

    private void OnExpired()
    {
        // Only a wait still undecided and really over its budget expires. A timer may tick a little early (it counts in
        // coarser units than the timestamps), and a late tick of an earlier wait may land in a newer one: either way the
        // wait is not over, so the timer is re-armed for what is left of the current wait's budget.
        var state = Volatile.Read(ref _state);
        if ((state & 1) != 0)
        {
            return;
        }

        var left = _budget - _timeProvider.GetElapsedTime(Volatile.Read(ref _startedAt));
        if (left > TimeSpan.Zero)
        {
            try
            {
                _timer?.Change(left, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The pump ended meanwhile.
            }

            return;
        }

        if (Interlocked.CompareExchange(ref _state, state | 1, state) == state)
        {
            _core.SetResult(false);
        }
    }
}
