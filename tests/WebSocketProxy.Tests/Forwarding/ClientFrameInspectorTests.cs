using FluentAssertions;
using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>The client transport's frame-header scanner on the read path of every client message.</summary>
public sealed class ClientFrameInspectorTests
{
    [Fact]
    public async Task ZeroByteRead_Waiting_PassesStraightThrough_AllocatesNothing()
    {
        var inner = new PendingStream();
        var inspector = new ClientFrameInspector(inner, TimeProvider.System);
        _ = inspector.ReadAsync(Memory<byte>.Empty, TestContext.Current.CancellationToken); // warm up (JIT)

        var before = GC.GetAllocatedBytesForCurrentThread();
        var waiting = inspector.ReadAsync(Memory<byte>.Empty, TestContext.Current.CancellationToken);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.Should().Be(0, "the wait between a client's messages must not cost a state machine per message");
        waiting.IsCompleted.Should().BeFalse();
        inner.Complete(0);
        (await waiting).Should().Be(0);
    }

    [Fact]
    public async Task DataRead_CompletedLater_StillScansTheFrames()
    {
        var inner = new PendingStream();
        var inspector = new ClientFrameInspector(inner, TimeProvider.System);
        var buffer = new byte[16];

        var reading = inspector.ReadAsync(buffer, TestContext.Current.CancellationToken);
        new byte[] { 0x88, 0x80, 1, 2, 3, 4 }.CopyTo(buffer, 0); // a masked, empty close frame lands in the buffer
        inner.Complete(6);

        (await reading).Should().Be(6);
        inspector.CloseFrameReceived.Should().BeTrue();
    }

    /// <summary>A transport whose reads wait until the test completes them; issuing one allocates nothing.</summary>
    private sealed class PendingStream : MemoryStream
    {
        private TaskCompletionSource<int> _read = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task<int> _task;

        public PendingStream() => _task = _read.Task;

        public void Complete(int count)
        {
            var read = _read;
            _read = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _task = _read.Task;
            read.SetResult(count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(_task);
    }
}
