using FluentAssertions;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Tests.Messages;

public sealed class TransformerDeadlineTests
{
    [Fact]
    public async Task EarlyTick_Rearmed_ExpiresOnlyWhenTheBudgetIsSpent()
    {
        var time = new ManualTime();
        using var deadline = new TransformerDeadline(time);
        var never = new TaskCompletionSource<MessageTransformResult>();

        var wait = deadline.WaitAsync(new ValueTask<MessageTransformResult>(never.Task), TimeSpan.FromMilliseconds(500));
        time.Now += TimeSpan.FromMilliseconds(499);
        time.Timer.Fire(); // a coarse timer may tick a little before the precise clock says the budget is spent

        wait.IsCompleted.Should().BeFalse();
        time.Timer.Due.Should().Be(TimeSpan.FromMilliseconds(1), "the timer is re-armed for what is left");
        time.Now += TimeSpan.FromMilliseconds(1);
        time.Timer.Fire();
        (await wait).Should().BeFalse();
    }

    [Fact]
    public async Task CompletedInTime_ResultRead_LateTickOfThatWaitDoesNotExpireTheNext()
    {
        var time = new ManualTime();
        using var deadline = new TransformerDeadline(time);
        var first = new TaskCompletionSource<MessageTransformResult>();

        var wait = deadline.WaitAsync(new ValueTask<MessageTransformResult>(first.Task), TimeSpan.FromMilliseconds(100));
        first.SetResult(MessageTransformResult.Drop());
        (await wait).Should().BeTrue();
        deadline.GetResult().Action.Should().Be(MessageTransformAction.Drop);
        time.Timer.Due.Should().Be(Timeout.InfiniteTimeSpan, "a decided wait disarms its timer");

        time.Now += TimeSpan.FromMilliseconds(150);
        var second = new TaskCompletionSource<MessageTransformResult>();
        var next = deadline.WaitAsync(new ValueTask<MessageTransformResult>(second.Task), TimeSpan.FromMilliseconds(100));
        time.Timer.Fire(); // a tick queued for the first wait arrives now
        next.IsCompleted.Should().BeFalse();
        second.SetException(new InvalidOperationException("late failure"));
        (await next).Should().BeTrue();
        FluentActions.Invoking(() => deadline.GetResult()).Should().Throw<InvalidOperationException>();
    }

    /// <summary>A clock moved by hand and one timer fired by hand, so a tick can come before the clock says it is due.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public TimeSpan Now { get; set; }

        public ManualTimer Timer { get; private set; } = null!;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now.Ticks;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            => Timer = new ManualTimer(callback, state, dueTime);
    }

    private sealed class ManualTimer(TimerCallback callback, object? state, TimeSpan due) : ITimer
    {
        public TimeSpan Due { get; private set; } = due;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Due = dueTime;
            return true;
        }

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
