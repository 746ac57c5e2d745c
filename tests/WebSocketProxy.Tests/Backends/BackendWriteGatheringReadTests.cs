using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

/// <summary>The read side of the backend transport: small reads served from one pooled receive, no buffer held while waiting.</summary>
public sealed class BackendWriteGatheringReadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SmallReads_OneReceiveServesManyAndTheBufferIsReleasedWhenDrained()
    {
        var inner = new ChunkStream([Enumerable.Range(0, 300).Select(i => (byte)i).ToArray()]);
        await using var stream = new BackendWriteGathering(inner);
        var received = new List<byte>();
        var buffer = new byte[14];

        while (received.Count < 300)
        {
            var count = await stream.ReadAsync(buffer, Ct);
            received.AddRange(buffer.Take(count));
            (stream.HasBufferedReads == (received.Count < 300)).Should().BeTrue("the buffer is held only while it has bytes");
        }

        received.Should().Equal(Enumerable.Range(0, 300).Select(i => (byte)i));
        inner.DataReads.Should().Be(1, "one receive served every small read");
        inner.ZeroByteReads.Should().Be(1, "the first receive waited for data without a buffer");
    }

    [Fact]
    public async Task LargeReadsGoStraightToTheSocket()
    {
        var inner = new ChunkStream([new byte[100], new byte[100]]);
        await using var stream = new BackendWriteGathering(inner);

        (await stream.ReadAsync(new byte[BackendWriteGathering.ReadBufferSize], Ct)).Should().Be(100);
        (await stream.ReadAsync(new byte[BackendWriteGathering.ReadBufferSize], Ct)).Should().Be(100);

        inner.DataReads.Should().Be(2);
        inner.ZeroByteReads.Should().Be(0);
        stream.HasBufferedReads.Should().BeFalse();
    }

    [Fact]
    public async Task UnderTls_ReadsAreNotBuffered()
    {
        var inner = new ChunkStream([new byte[100]]);
        await using var stream = new BackendWriteGathering(inner, bufferReads: false);

        (await stream.ReadAsync(new byte[14], Ct)).Should().Be(14);

        inner.DataReads.Should().Be(1);
        inner.ZeroByteReads.Should().Be(0);
        stream.HasBufferedReads.Should().BeFalse("SslStream above buffers its own reads");
    }

    [Fact]
    public async Task ManagedWebSocketOverTheTransport_ReceivesMessagesAcrossChunkBoundaries()
    {
        var frames = new List<byte>();
        for (var i = 0; i < 20; i++)
        {
            frames.AddRange(new byte[] { 0x82, 126, 0x04, 0x00 }); // unmasked binary frame, 1,024 bytes
            frames.AddRange(Enumerable.Repeat((byte)i, 1024));
        }

        var all = frames.ToArray();
        var chunks = all.Chunk(777).ToArray(); // frame headers split across receives
        var inner = new ChunkStream(chunks);
        await using var stream = new BackendWriteGathering(inner);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var buffer = new byte[4096];

        for (var i = 0; i < 20; i++)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), Ct);
            result.Count.Should().Be(1024);
            result.EndOfMessage.Should().BeTrue();
            buffer.Take(1024).Should().AllBeEquivalentTo((byte)i);
        }

        inner.DataReads.Should().BeLessThanOrEqualTo(chunks.Length, "no more receives than the data arrived in");
    }

    /// <summary>A read-only stream that returns the given chunks one per read and counts reads.</summary>
    private sealed class ChunkStream(byte[][] chunks) : Stream
    {
        private int _chunk;
        private int _offset;

        public int DataReads { get; private set; }

        public int ZeroByteReads { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                ZeroByteReads++;
                return new(0);
            }

            DataReads++;
            if (_chunk == chunks.Length)
            {
                return new(0);
            }

            var source = chunks[_chunk].AsSpan(_offset);
            var count = Math.Min(source.Length, buffer.Length);
            source[..count].CopyTo(buffer.Span);
            _offset += count;
            if (_offset == chunks[_chunk].Length)
            {
                _chunk++;
                _offset = 0;
            }

            return new(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => default;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
