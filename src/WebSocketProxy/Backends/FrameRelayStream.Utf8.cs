using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace WebSocketProxy.Backends;

/// <content>
/// UTF-8 validation of text messages, as the WebSocket would have done it (1007 to the sender, nothing of the invalid
/// frame forwarded). The payload is validated, not changed: masked bytes are unmasked into a stack buffer for the check
/// while the forwarded bytes stay as they came. A sequence cut by a frame or read boundary is carried to the next piece.
/// </content>
internal sealed partial class FrameRelayStream
{
    private const int Utf8Chunk = 1024;

    private int _utf8Carry;
    private int _utf8CarryLength;

    /// <summary>Checks the next part of a text message's payload, which starts <paramref name="frameOffset"/> bytes into its frame.</summary>
    private bool IsValidText(ReadOnlySpan<byte> payload, long frameOffset, bool endOfMessage)
    {
        Span<byte> chunk = stackalloc byte[3 + Utf8Chunk];
        var carry = _utf8CarryLength;
        BinaryPrimitives.WriteInt32LittleEndian(chunk, _utf8Carry);
        do
        {
            var length = Math.Min(payload.Length, Utf8Chunk);
            var part = chunk.Slice(carry, length);
            payload[..length].CopyTo(part);
            if (_frameMasked)
            {
                Unmask(part, _frameMask, frameOffset);
            }

            payload = payload[length..];
            frameOffset += length;
            var all = chunk[..(carry + length)];
            var tail = payload.IsEmpty && endOfMessage ? 0 : IncompleteTail(all);
            if (!Utf8.IsValid(all[..^tail]))
            {
                return false;
            }

            all[^tail..].CopyTo(chunk);
            carry = tail;
        }
        while (!payload.IsEmpty);

        _utf8CarryLength = carry;
        _utf8Carry = BinaryPrimitives.ReadInt32LittleEndian(chunk);
        return true;
    }

    /// <summary>Gets how many bytes at the end start a sequence that continues beyond them (at most 3).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> bytes)
    {
        for (var i = 1; i <= Math.Min(3, bytes.Length); i++)
        {
            var b = bytes[^i];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: its lead is further back
            }

            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > i ? i : 0;
        }

        return 0;
    }

    /// <summary>Unmasks bytes that start <paramref name="offset"/> bytes into a frame masked with <paramref name="mask"/> (big-endian key).</summary>
    private static void Unmask(Span<byte> bytes, uint mask, long offset)
    {
        var shift = (int)(offset & 3) * 8;
        var rotated = shift == 0 ? mask : (mask << shift) | (mask >> (32 - shift));
        var key = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(rotated) : rotated; // the key's first byte first in memory
        var wide = ((ulong)key << 32) | key;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] ^= wide;
        }

        for (var i = words.Length * 8; i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(rotated >> (24 - ((i & 3) * 8)));
        }
    }
}
