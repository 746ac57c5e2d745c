using System.Collections.Concurrent;
using System.IO.Pipelines;
using FluentAssertions;

namespace WebSocketProxy.Tests.Backends;

/// <content>The client leg under Kestrel's inline scheduling: the relay reads inside the transport's receive loop.</content>
public sealed partial class FrameRelayStreamTests
{
    [Theory]
    [InlineData(4096, 1)] // whole 4 KiB blocks: the relay leaves once, the rest of the burst queues meanwhile, one write
    [InlineData(1024, 16)] // smaller reads do not suggest a backlog: no leave, a write per read (the ping-pong case)
    public async Task BurstOnASocketEventThread_RelayLeavesOnceAfterAWholeBlock_SoTheBurstLeavesInFewWrites(int block, int expectedWrites)
    {
        // 16 KiB of 1 KiB frames, handed over the way Kestrel's receive loop does with inline scheduling: one block per
        // receive, the reader's continuation run inline by each flush, on a thread that is not a thread-pool thread.
        var frame = Frame(0x82, new byte[1016], masked: true); // 1,024 bytes on the wire
        var burst = Concat(Enumerable.Repeat(frame, 16).ToArray());
        var blocks = Chunks(burst, block).Take(16_384 / block).ToList();
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var relay = new RelayHarness(pipe.Reader.AsStream(), bufferSize: 64 * 1024);

        await RunOnSocketThreadAsync(async posted =>
        {
            var run = relay.RunAsync();
            foreach (var chunk in blocks)
            {
                await pipe.Writer.WriteAsync(chunk); // completes the relay's pending read inline, as Kestrel's flush does
            }

            await pipe.Writer.CompleteAsync();
            while (!run.IsCompleted)
            {
                (await posted.TakeAsync()).Invoke(); // what the relay left for runs once the receive loop is done
            }

            (await run).Should().BeEmpty();
        });

        relay.Written.Should().Equal(burst);
        relay.Writes.Should().Be(expectedWrites);
        relay.Observer.Messages.Should().HaveCount(16);
    }

    /// <summary>Runs <paramref name="body"/> on a dedicated thread whose synchronization context queues what is posted to it.</summary>
    private static Task RunOnSocketThreadAsync(Func<PostedWork, Task> body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var posted = new PostedWork();
            SynchronizationContext.SetSynchronizationContext(posted);
            try
            {
                var task = body(posted);
                while (!task.IsCompleted)
                {
                    posted.RunOne(TimeSpan.FromSeconds(10));
                }

                task.GetAwaiter().GetResult();
                done.SetResult();
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        { IsBackground = true, Name = "socket event thread (test)" };
        thread.Start();
        return done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A synchronization context that queues posts; the owning thread runs them.</summary>
    private sealed class PostedWork : SynchronizationContext
    {
        private readonly BlockingCollection<Action> _queue = [];

        public override void Post(SendOrPostCallback d, object? state) => _queue.Add(() => d(state));

        public void RunOne(TimeSpan timeout)
        {
            if (!_queue.TryTake(out var work, timeout))
            {
                throw new TimeoutException("Nothing was posted to the test's socket thread.");
            }

            work();
        }

        public Task<Action> TakeAsync() => Task.FromResult(_queue.Take(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token));
    }
}
