using System.Buffers.Binary;

namespace WebSocketProxy.Backends;

/// <content>Frame headers as RFC 6455 lays them out.</content>
internal sealed partial class FrameRelayStream
{
    private static bool TryParseHeader(ReadOnlySpan<byte> data, out FrameHeader header)
    {
        header = default;
        if (data.Length < 2)
        {
            return false;
        }

        long payloadLength = data[1] & 0x7F;
        var length = 2;
        if (payloadLength == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            length = 4;
        }
        else if (payloadLength == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadInt64BigEndian(data[2..]); // negative when the top bit is set: rejected
            length = 10;
        }

        var masked = (data[1] & 0x80) != 0;
        uint mask = 0;
        if (masked)
        {
            if (data.Length < length + 4)
            {
                return false;
            }

            mask = BinaryPrimitives.ReadUInt32BigEndian(data[length..]);
            length += 4;
        }

        header = new FrameHeader(data[0], length, payloadLength, masked, mask);
        return true;
    }

    private readonly record struct FrameHeader(byte Byte0, int Length, long PayloadLength, bool Masked, uint Mask);
}
