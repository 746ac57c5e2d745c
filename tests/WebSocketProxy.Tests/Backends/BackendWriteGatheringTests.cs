using System.IO.Pipelines;
using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

public sealed class BackendWriteGatheringTests
{
    [Fact]
    public async Task WriteAsync_DuringRequest_IsGatheredUntilFlushedInOneWrite()
    {
        var inner = new RecordingStream();
        await using var stream = new BackendWriteGathering(inner);

        BackendWriteGathering.BeginRequest();
        var first = stream.WriteAsync(new byte[] { 1, 2 }, TestContext.Current.CancellationToken);
        var second = stream.WriteAsync(new byte[] { 3 }, TestContext.Current.CancellationToken);
        BackendWriteGathering.EndRequest().Should().BeSameAs(stream);

        first.IsCompletedSuccessfully.Should().BeTrue();
        second.IsCompletedSuccessfully.Should().BeTrue();
        inner.Writes.Should().Be(0);
        stream.HasPending.Should().BeTrue();

        await stream.FlushGatheredAsync();

        inner.Writes.Should().Be(1);
        inner.ToArray().Should().Equal(1, 2, 3);
        stream.HasPending.Should().BeFalse();
    }

    [Fact]
    public async Task WriteAsync_OutsideARequest_GoesOutAtOnceAfterWhatWasGathered()
    {
        var inner = new RecordingStream();
        await using var stream = new BackendWriteGathering(inner);

        await stream.WriteAsync(new byte[] { 9 }, TestContext.Current.CancellationToken);
        inner.Writes.Should().Be(1);
        BackendWriteGathering.EndRequest().Should().BeNull();

        BackendWriteGathering.BeginRequest();
        await stream.WriteAsync(new byte[] { 1, 2 }, TestContext.Current.CancellationToken);
        BackendWriteGathering.EndRequest();

        // A pong or close frame written by the socket itself: the gathered bytes go first, in the same write.
        await stream.WriteAsync(new byte[] { 3 }, TestContext.Current.CancellationToken);

        inner.Writes.Should().Be(2);
        inner.ToArray().Should().Equal(9, 1, 2, 3);
        stream.HasPending.Should().BeFalse();
    }

    [Fact]
    public async Task WriteAsync_PastTheGatherLimit_WritesWithoutHoldingBack()
    {
        var inner = new RecordingStream();
        await using var stream = new BackendWriteGathering(inner);
        var small = new byte[100];
        var large = new byte[BackendWriteGathering.MaxPending];
        large[^1] = 7;

        BackendWriteGathering.BeginRequest();
        await stream.WriteAsync(small, TestContext.Current.CancellationToken);
        await stream.WriteAsync(large, TestContext.Current.CancellationToken);
        BackendWriteGathering.EndRequest();

        stream.HasPending.Should().BeFalse();
        inner.Length.Should().Be(small.Length + large.Length);
        inner.ToArray()[^1].Should().Be(7);
    }

    [Fact]
    public async Task ClientWebSocketFrames_SentDuringRequests_ArriveInOrderAfterOneFlush()
    {
        var ct = TestContext.Current.CancellationToken;
        var toServer = new Pipe();
        var toClient = new Pipe();
        var gathering = new BackendWriteGathering(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()));
        using var client = WebSocket.CreateFromStream(gathering, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        using var server = WebSocket.CreateFromStream(new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream()), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });

        for (var i = 0; i < 50; i++)
        {
            BackendWriteGathering.BeginRequest();
            ValueTask send;
            try
            {
                send = client.SendAsync(new ReadOnlyMemory<byte>([(byte)i, 1, 2, 3]), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None); // as the pump sends: a cancelable send never completes at once
            }
            finally
            {
                BackendWriteGathering.EndRequest().Should().BeSameAs(gathering);
            }

            send.IsCompletedSuccessfully.Should().BeTrue("frame {0} was gathered, not written", i);
            await send;
        }

        gathering.HasPending.Should().BeTrue();
        await gathering.FlushGatheredAsync();

        var buffer = new byte[16];
        for (var i = 0; i < 50; i++)
        {
            var result = await server.ReceiveAsync(buffer.AsMemory(), ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), ct);
            result.Count.Should().Be(4);
            result.EndOfMessage.Should().BeTrue();
            buffer[0].Should().Be((byte)i);
        }
    }

    [Fact]
    public async Task GatheredSends_AllocateNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var toServer = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var toClient = new Pipe();
        var gathering = new BackendWriteGathering(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()));
        using var client = WebSocket.CreateFromStream(gathering, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var payload = new ReadOnlyMemory<byte>(new byte[64]);

        void SendBurst(int count)
        {
            for (var i = 0; i < count; i++)
            {
                BackendWriteGathering.BeginRequest();
                try
                {
                    client.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).GetAwaiter().GetResult();
                }
                finally
                {
                    BackendWriteGathering.EndRequest();
                }
            }
        }

        SendBurst(10); // warm-up: the first gathered write rents the buffer
        await gathering.FlushGatheredAsync();
        SendBurst(1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        SendBurst(100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await gathering.FlushGatheredAsync();

        allocated.Should().Be(0);
        toServer.Writer.Complete();
        var read = await toServer.Reader.ReadAtLeastAsync(int.MaxValue, ct);
        read.Buffer.Length.Should().Be(111 * (2 + 4 + 64)); // header, mask key, payload
    }

    private sealed class RecordingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    private sealed class DuplexStream(Stream read, Stream write) : Stream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => read.ReadAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => read.Read(buffer, offset, count);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await write.WriteAsync(buffer, cancellationToken);
            await write.FlushAsync(cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // as a NetworkStream's: ManagedWebSocket flushes after every frame

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
