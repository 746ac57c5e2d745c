using System.Buffers.Binary;
using System.Net.WebSockets;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

/// <content>The tests' frames and the harness that drives a relay the way its WebSocket reads it.</content>
public sealed partial class FrameRelayStreamTests
{
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

        public RelayHarness(List<byte[]> chunks, bool receivesMasked = true, long maxMessageBytes = long.MaxValue, int bufferSize = 1024)
            : this(new ChunkStream(chunks), receivesMasked, maxMessageBytes, bufferSize)
        {
        }

        public RelayHarness(Stream source, bool receivesMasked = true, long maxMessageBytes = long.MaxValue, int bufferSize = 1024)
        {
            Relay = new FrameRelayStream(source, receivesMasked);
            Peer = new FrameRelayStream(_capture, !receivesMasked);
            Relay.Start(Peer, Observer, maxMessageBytes, bufferSize);
            Peer.Start(Relay, new TestObserver(), long.MaxValue, bufferSize: 1024);
        }

        public FrameRelayStream Relay { get; }

        public FrameRelayStream Peer { get; }

        public TestObserver Observer { get; } = new();

        public byte[] Written => _capture.ToArray();

        public int Writes => _capture.Writes;

        public byte[]? WrittenBeforeFirstHandUp { get; private set; }

        /// <summary>Reads as the WebSocket does until <paramref name="count"/> bytes were handed up, and stops reading there (as after a close frame).</summary>
        public async Task<byte[]> ReadUntilHandedUpAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var handedUp = new List<byte>();
            var buffer = new byte[139];
            while (handedUp.Count < count)
            {
                var read = await Relay.ReadAsync(buffer.AsMemory(0, count - handedUp.Count), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                handedUp.AddRange(buffer.AsSpan(0, read).ToArray());
            }

            return [.. handedUp];
        }

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
