using FluentAssertions;
using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Tests.Forwarding;

public sealed class CoalescingStreamTests
{
    private sealed class RecordingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    [Fact]
    public async Task WriteAsync_WhileGathering_HoldsFramesUntilFlushedInOneWrite()
    {
        var inner = new RecordingStream();
        using var stream = new CoalescingStream(inner);

        stream.BeginGather();
        await stream.WriteAsync(new byte[] { 1, 2 }, TestContext.Current.CancellationToken);
        await stream.WriteAsync(new byte[] { 3 }, TestContext.Current.CancellationToken);
        stream.EndGather();
        inner.Writes.Should().Be(0);
        await stream.FlushGatheredAsync();

        inner.Writes.Should().Be(1);
        inner.ToArray().Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task WriteAsync_NotGathering_SendsGatheredBytesFirstKeepingOrder()
    {
        var inner = new RecordingStream();
        using var stream = new CoalescingStream(inner);

        stream.BeginGather();
        await stream.WriteAsync(new byte[] { 1 }, TestContext.Current.CancellationToken);
        stream.EndGather();
        await stream.WriteAsync(new byte[] { 9 }, TestContext.Current.CancellationToken); // e.g. a pong or close frame

        inner.ToArray().Should().Equal(1, 9);
        inner.Writes.Should().Be(1, "the gathered frame and the control frame fit in one write");
    }

    [Fact]
    public async Task WriteAsync_GatheredBytesReachTheCap_AreWrittenWithoutWaitingForAFlush()
    {
        var inner = new RecordingStream();
        using var stream = new CoalescingStream(inner);
        var frame = new byte[CoalescingStream.MaxPending / 2 + 1];

        stream.BeginGather();
        await stream.WriteAsync(frame, TestContext.Current.CancellationToken);
        await stream.WriteAsync(frame, TestContext.Current.CancellationToken);
        stream.EndGather();

        inner.Length.Should().Be(2L * frame.Length, "the second frame did not fit, so both were written at once");
        inner.Writes.Should().Be(2);
        await stream.FlushGatheredAsync();
        inner.Writes.Should().Be(2, "nothing was left to flush");
    }
}
