using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

/// <summary>The frame relay on its own: bytes in as a client would send them, frames out as the backend gets them.</summary>
public sealed class FrameRelayStreamTests
{
    [Fact]
    public async Task WholeFrames_ForwardedByteForByte_InOneWrite()
    {
        var frames = Concat(Frame(0x81, "one"u8, masked: true), Frame(0x82, [1, 2, 3], masked: true), Frame(0x81, ""u8, masked: true));
        var relay = new RelayHarness([frames]);

        var handedUp = await relay.RunAsync();

        handedUp.Should().BeEmpty();
        relay.Written.Should().Equal(frames);
        relay.Writes.Should().Be(1);
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Text, 3L), (WebSocketMessageType.Binary, 3L), (WebSocketMessageType.Text, 0L));
    }

    [Theory]
    [InlineData(333, true)]
    [InlineData(1, true)]
    [InlineData(700, false)]
    public async Task LargeFrame_CutByReads_GoesOnInPiecesThatUnmaskToTheOriginal(int chunk, bool masked)
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var relay = new RelayHarness(Chunks(Frame(0x82, payload, masked), chunk), masked);

        (await relay.RunAsync()).Should().BeEmpty();

        var received = ParseFrames(relay.Written);
        received.Should().HaveCountGreaterThan(1);
        received[0].Opcode.Should().Be(2);
        received.Skip(1).Should().OnlyContain(f => f.Opcode == 0);
        received.Take(received.Count - 1).Should().OnlyContain(f => !f.Fin);
        received[^1].Fin.Should().BeTrue();
        received.Should().OnlyContain(f => f.Masked == masked);
        received.SelectMany(f => f.Payload).Should().Equal(payload);
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Binary, 5000L));
    }

    [Fact]
    public async Task PingBetweenFragments_HandedUpInOrder_FragmentsForwarded()
    {
        var first = Frame(0x01, "hel"u8, masked: true);
        var ping = Frame(0x89, "p"u8, masked: true);
        var last = Frame(0x80, "lo"u8, masked: true);
        var relay = new RelayHarness([Concat(first, ping, last)]);

        var handedUp = await relay.RunAsync();

        handedUp.Should().Equal(ping);
        relay.WrittenBeforeFirstHandUp.Should().Equal(first);
        relay.Written.Should().Equal(Concat(first, last));
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Text, 5L));
    }

    [Theory]
    [InlineData("reserved bit")]
    [InlineData("unknown opcode")]
    [InlineData("continuation without a message")]
    [InlineData("new message inside a fragmented one")]
    [InlineData("unmasked client frame")]
    public async Task ProtocolError_Stops1002_EarlierFramesForwarded_OffendingFrameNot(string violation)
    {
        var earlier = Frame(0x82, [9], masked: true);
        var offending = violation switch
        {
            "reserved bit" => Frame(0xA2, [1], masked: true),
            "unknown opcode" => Frame(0x83, [1], masked: true),
            "continuation without a message" => Frame(0x80, [1], masked: true),
            "new message inside a fragmented one" => Concat(Frame(0x02, [1], masked: true), Frame(0x82, [2], masked: true)),
            _ => Frame(0x82, [1], masked: false),
        };
        var relay = new RelayHarness([Concat(earlier, offending)]);

        var handedUp = await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.ProtocolError);
        relay.Relay.Exit.DestinationFailed.Should().BeFalse();
        handedUp.Should().Equal(0x82, 0x80, 0, 0, 0, 0); // an empty masked binary frame: the pump's receive returns
        var forwarded = ParseFrames(relay.Written);
        forwarded[0].Payload.Should().Equal(9);
        forwarded.Should().NotContain(f => f.Payload.SequenceEqual(new byte[] { 2 }));
    }

    [Fact]
    public async Task MessageOverTheLimit_Stops1009_BeforeTheFrameThatCrossesIt()
    {
        var relay = new RelayHarness([Concat(Frame(0x02, new byte[60], masked: true), Frame(0x80, new byte[60], masked: true))], maxMessageBytes: 100);

        await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.MessageTooBig);
        ParseFrames(relay.Written).Should().ContainSingle().Which.Payload.Should().HaveCount(60);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public async Task TextMessage_MultibyteCharactersCutByReadsAndFrames_Valid(int chunk)
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("héllo wörld 😀 ", 300)));
        var half = text.Length / 2 + 1; // cuts a sequence between two frames
        var frames = Concat(Frame(0x01, text.AsSpan(0, half), masked: true), Frame(0x80, text.AsSpan(half), masked: true));
        var relay = new RelayHarness(Chunks(frames, chunk));

        (await relay.RunAsync()).Should().BeEmpty();

        relay.Relay.Exit.Should().BeNull();
        ParseFrames(relay.Written).SelectMany(f => f.Payload).Should().Equal(text);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3 }, 1)] // a sequence the message ends inside
    [InlineData(new byte[] { 0xFF, 0x41 }, 7)]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 2000)] // an encoded surrogate
    public async Task TextMessage_InvalidUtf8_Stops1007(byte[] invalid, int chunk)
    {
        var text = Concat(Encoding.UTF8.GetBytes(new string('a', 3000)), invalid);
        var relay = new RelayHarness(Chunks(Frame(0x81, text, masked: true), chunk));

        await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        relay.Observer.Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task DestinationAlreadySentItsClose_RelayStops_DestinationFailed()
    {
        var relay = new RelayHarness([Frame(0x82, [1], masked: true)]);
        await relay.Peer.WriteAsync(new byte[] { 0x88, 0x00 }, TestContext.Current.CancellationToken); // the destination's WebSocket sends its close frame

        var handedUp = await relay.RunAsync();

        relay.Relay.Exit!.DestinationFailed.Should().BeTrue();
        handedUp.Should().Equal(0x82, 0x80, 0, 0, 0, 0);
        relay.Written.Should().Equal(0x88, 0x00);
    }

    [Fact]
    public async Task RateLimiter_DropsAMessage_ClosesOnTheNext()
    {
        var relay = new RelayHarness([Concat(Frame(0x82, [1], masked: true), Frame(0x82, [2], masked: true), Frame(0x82, [3], masked: true))]);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Forward);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Drop);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Close);

        await relay.RunAsync();

        ParseFrames(relay.Written).Should().ContainSingle().Which.Payload.Should().Equal(1);
        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.PolicyViolation);
    }

    private static byte[] Frame(byte byte0, ReadOnlySpan<byte> payload, bool masked)
    {
        var lengthBytes = payload.Length <= 125 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        var frame = new byte[2 + lengthBytes + (masked ? 4 : 0) + payload.Length];
        frame[0] = byte0;
        frame[1] = (byte)((masked ? 0x80 : 0) | (lengthBytes switch { 0 => payload.Length, 2 => 126, _ => 127 }));
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else if (lengthBytes == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        var offset = 2 + lengthBytes;
        byte[] key = [0x12, 0x34, 0x56, 0x78];
        if (masked)
        {
            key.CopyTo(frame, offset);
            offset += 4;
        }

        for (var i = 0; i < payload.Length; i++)
        {
            frame[offset + i] = masked ? (byte)(payload[i] ^ key[i & 3]) : payload[i];
        }

        return frame;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static List<byte[]> Chunks(byte[] bytes, int size) => bytes.Chunk(size).ToList();

    private static List<(int Opcode, bool Fin, bool Masked, byte[] Payload)> ParseFrames(byte[] bytes)
    {
        var frames = new List<(int, bool, bool, byte[])>();
        var at = 0;
        while (at < bytes.Length)
        {
            var fin = (bytes[at] & 0x80) != 0;
            var opcode = bytes[at] & 0x0F;
            var masked = (bytes[at + 1] & 0x80) != 0;
            long length = bytes[at + 1] & 0x7F;
            at += 2;
            if (length == 126)
            {
                length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at));
                at += 2;
            }
            else if (length == 127)
            {
                length = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(at));
                at += 8;
            }

            var key = masked ? bytes.AsSpan(at, 4).ToArray() : [0, 0, 0, 0];
            at += masked ? 4 : 0;
            var payload = bytes.AsSpan(at, (int)length).ToArray();
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i & 3];
            }

            at += (int)length;
            frames.Add((opcode, fin, masked, payload));
        }

        return frames;
    }

    /// <summary>A relay reading given chunks, forwarding into a captured peer, driven the way a WebSocket reads it.</summary>
    private sealed class RelayHarness
    {
        private readonly CapturingStream _capture = new();

        public RelayHarness(List<byte[]> chunks, bool receivesMasked = true, long maxMessageBytes = long.MaxValue)
        {
            Relay = new FrameRelayStream(new ChunkStream(chunks), receivesMasked);
            Peer = new FrameRelayStream(_capture, !receivesMasked);
            Relay.Start(Peer, Observer, maxMessageBytes, bufferSize: 1024);
            Peer.Start(Relay, new TestObserver(), long.MaxValue, bufferSize: 1024);
        }

        public FrameRelayStream Relay { get; }

        public FrameRelayStream Peer { get; }

        public TestObserver Observer { get; } = new();

        public byte[] Written => _capture.ToArray();

        public int Writes => _capture.Writes;

        public byte[]? WrittenBeforeFirstHandUp { get; private set; }

        /// <summary>Reads as the WebSocket does (a zero-byte read, then its header buffer) until the end or the relay's exit; returns what was handed up.</summary>
        public async Task<byte[]> RunAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var handedUp = new List<byte>();
            var buffer = new byte[139];
            while (true)
            {
#pragma warning disable CA2022 // a zero-byte read, as the WebSocket issues it: it waits for bytes and reads none
                await Relay.ReadAsync(Memory<byte>.Empty, timeout.Token);
#pragma warning restore CA2022
                var read = await Relay.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return [.. handedUp];
                }

                WrittenBeforeFirstHandUp ??= Written;
                handedUp.AddRange(buffer.AsSpan(0, read).ToArray());
                if (Relay.Exit is not null)
                {
                    return [.. handedUp];
                }
            }
        }
    }

    private sealed class TestObserver : IFrameRelayObserver
    {
        public List<(WebSocketMessageType, long)> Messages { get; } = [];

        public Queue<FrameRelayVerdict> Verdicts { get; } = new();

        public bool WatchesFrames => Verdicts.Count > 0;

        public ValueTask<FrameRelayVerdict> OnFrameAsync(bool messageStart, long payloadLength) => ValueTask.FromResult(Verdicts.Dequeue());

        public void OnMessageForwarded(WebSocketMessageType messageType, long payloadBytes) => Messages.Add((messageType, payloadBytes));

        public void OnActivity()
        {
        }

        public ValueTask TrackWrite(ValueTask write) => write;
    }

    /// <summary>Serves one chunk per read (a zero-byte read completes at once), then the end of the stream.</summary>
    private sealed class ChunkStream(List<byte[]> chunks) : MemoryStream
    {
        private int _next;
        private int _offset;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty || _next == chunks.Count)
            {
                return ValueTask.FromResult(0);
            }

            var chunk = chunks[_next];
            var count = Math.Min(buffer.Length, chunk.Length - _offset);
            chunk.AsSpan(_offset, count).CopyTo(buffer.Span);
            _offset += count;
            if (_offset == chunk.Length)
            {
                _next++;
                _offset = 0;
            }

            return ValueTask.FromResult(count);
        }
    }

    private sealed class CapturingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
