using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>
/// Just enough RFC 6455 framing for a load side that costs less than the proxy it measures: the burst client writes
/// many frames per socket write and the bulk echo answers each read with one write. Frames of up to 2^31 bytes, no
/// extensions.
/// </summary>
internal static class RawFrames
{
    public const byte Continuation = 0x0, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>Parses the frame header at the start of <paramref name="data"/>; false when it is not complete yet.</summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> data, out Header header)
    {
        header = default;
        if (data.Length < 2)
        {
            return false;
        }

        var masked = (data[1] & 0x80) != 0;
        var length = data[1] & 0x7F;
        var size = 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (data.Length < size)
        {
            return false;
        }

        var payload = length switch
        {
            126 => (long)BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]),
            _ => (long)length,
        };
        header = new Header((data[0] & 0x80) != 0, (byte)(data[0] & 0x0F), size, payload, masked ? BinaryPrimitives.ReadUInt32LittleEndian(data[(size - 4)..]) : 0, masked);
        return true;
    }

    /// <summary>Writes a frame header into <paramref name="destination"/>; returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, bool fin, byte opcode, long payloadLength, uint? maskKey)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | opcode);
        var mask = maskKey is null ? 0 : 0x80;
        int size;
        if (payloadLength < 126)
        {
            destination[1] = (byte)(mask | (int)payloadLength);
            size = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(mask | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            size = 4;
        }
        else
        {
            destination[1] = (byte)(mask | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            size = 10;
        }

        if (maskKey is { } key)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[size..], key);
            size += 4;
        }

        return size;
    }

    /// <summary>XORs <paramref name="payload"/> with the masking key, starting at byte <paramref name="offset"/> of the frame's payload.</summary>
    public static void Mask(Span<byte> payload, uint key, long offset)
    {
        var shift = (int)(offset & 3) * 8;
        var k = shift == 0 ? key : (key >> shift) | (key << (32 - shift)); // the key as seen from this offset
        var k64 = k | ((ulong)k << 32);
        var i = 0;
        if (Vector.IsHardwareAccelerated && payload.Length >= Vector<byte>.Count)
        {
            var pattern = Vector.AsVectorByte(new Vector<ulong>(k64));
            for (; i <= payload.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                (new Vector<byte>(payload[i..]) ^ pattern).CopyTo(payload[i..]);
            }
        }

        for (; i <= payload.Length - 8; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(payload[i..], BinaryPrimitives.ReadUInt64LittleEndian(payload[i..]) ^ k64);
        }

        for (; i < payload.Length; i++)
        {
            payload[i] ^= (byte)(k >> ((i & 3) * 8));
        }
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> value for a key.</summary>
    public static string Accept(string key)
        => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    public readonly record struct Header(bool Fin, byte Opcode, int HeaderLength, long PayloadLength, uint MaskKey, bool Masked);
}
