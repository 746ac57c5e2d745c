using System.Buffers.Binary;
using System.Security.Cryptography;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>RFC 6455 opcodes, including the reserved ones the fuzzing cases send on purpose.</summary>
internal static class Opcode
{
    public const int Continuation = 0;
    public const int Text = 1;
    public const int Binary = 2;
    public const int Close = 8;
    public const int Ping = 9;
    public const int Pong = 10;
}

/// <summary>One frame as read from the wire (payload unmasked).</summary>
/// <param name="Fin">The FIN bit.</param>
/// <param name="Rsv">The three RSV bits (RSV1 = 4, RSV2 = 2, RSV3 = 1).</param>
/// <param name="Opcode">The opcode.</param>
/// <param name="Masked">Whether the peer masked it (a server must not).</param>
/// <param name="Payload">The payload.</param>
internal sealed record WireFrame(bool Fin, int Rsv, int Opcode, bool Masked, byte[] Payload)
{
    /// <summary>Encodes a client frame exactly as asked: any opcode, any RSV bits, masked with a random key unless told otherwise.</summary>
    /// <param name="opcode">The opcode (0–15).</param>
    /// <param name="payload">The payload.</param>
    /// <param name="fin">The FIN bit.</param>
    /// <param name="rsv">The RSV bits (0–7).</param>
    /// <param name="mask">Whether to mask (clients must).</param>
    /// <returns>The frame's bytes.</returns>
    public static byte[] Encode(int opcode, ReadOnlySpan<byte> payload, bool fin = true, int rsv = 0, bool mask = true)
    {
        var length = payload.Length;
        var lengthBytes = length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        var headerLength = 2 + lengthBytes + (mask ? 4 : 0);
        var frame = new byte[headerLength + length];
        frame[0] = (byte)((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F));
        var maskBit = mask ? 0x80 : 0;
        if (lengthBytes == 0)
        {
            frame[1] = (byte)(maskBit | length);
        }
        else if (lengthBytes == 2)
        {
            frame[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)length);
        }
        else
        {
            frame[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)length);
        }

        var body = frame.AsSpan(headerLength);
        payload.CopyTo(body);
        if (mask)
        {
            var key = frame.AsSpan(2 + lengthBytes, 4);
            RandomNumberGenerator.Fill(key);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= key[i & 3];
            }
        }

        return frame;
    }

    /// <summary>A close payload: the code (when given) and the reason bytes.</summary>
    /// <param name="code">The close code, or null for an empty payload.</param>
    /// <param name="reason">The reason (raw bytes, possibly invalid UTF-8 on purpose).</param>
    /// <returns>The payload.</returns>
    public static byte[] ClosePayload(int? code, ReadOnlySpan<byte> reason = default)
    {
        if (code is null)
        {
            return [];
        }

        var payload = new byte[2 + reason.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code.Value);
        reason.CopyTo(payload.AsSpan(2));
        return payload;
    }
}

/// <summary>Reads frames from a stream with a buffer; bytes already read past the HTTP response head are handed in first.</summary>
internal sealed class FrameReader
{
    private readonly Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public FrameReader(Stream stream, ReadOnlySpan<byte> leftover)
    {
        _stream = stream;
        leftover.CopyTo(_buffer);
        _end = leftover.Length;
    }

    /// <summary>Reads the next frame; null when the peer closed TCP cleanly between frames.</summary>
    /// <param name="maxPayload">Refuses larger frames (a broken peer must not make the client allocate without bound).</param>
    /// <param name="cancellationToken">Bounds the read.</param>
    /// <returns>The frame, or null at the end of the stream.</returns>
    /// <exception cref="InvalidDataException">The peer closed TCP in the middle of a frame, or sent a frame over <paramref name="maxPayload"/>.</exception>
    public async Task<WireFrame?> ReadAsync(long maxPayload, CancellationToken cancellationToken)
    {
        if (!await FillAsync(2, cancellationToken))
        {
            if (_end - _start == 0)
            {
                return null;
            }

            throw new InvalidDataException("The peer closed TCP inside a frame header.");
        }

        var b0 = _buffer[_start];
        var b1 = _buffer[_start + 1];
        var masked = (b1 & 0x80) != 0;
        var length7 = b1 & 0x7F;
        var lengthBytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        var headerLength = 2 + lengthBytes + (masked ? 4 : 0);
        await RequireAsync(headerLength, cancellationToken);
        var length = lengthBytes switch
        {
            0 => (long)length7,
            2 => (long)BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2)),
            _ => (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2)),
        };
        if (length < 0 || length > maxPayload)
        {
            throw new InvalidDataException($"The peer announced a {length}-byte frame.");
        }

        var key = masked ? _buffer.AsSpan(_start + 2 + lengthBytes, 4).ToArray() : null;
        _start += headerLength;
        var payload = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            if (_end == _start && !await FillAsync(1, cancellationToken))
            {
                throw new InvalidDataException("The peer closed TCP inside a frame payload.");
            }

            var n = (int)Math.Min(length - copied, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(payload.AsSpan(copied));
            _start += n;
            copied += n;
        }

        if (key is not null)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i & 3];
            }
        }

        return new WireFrame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, masked, payload);
    }

    private async Task RequireAsync(int count, CancellationToken cancellationToken)
    {
        if (!await FillAsync(count, cancellationToken))
        {
            throw new InvalidDataException("The peer closed TCP inside a frame header.");
        }
    }

    private async Task<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_buffer.Length < count)
        {
            Array.Resize(ref _buffer, count);
        }

        while (_end < count)
        {
            var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            _end += n;
        }

        return true;
    }
}
