using System.Buffers.Binary;

namespace WebSocketProxy.Transformers;

/// <summary>Writing one number of a frame field in its byte order, with range checks.</summary>
internal sealed partial class FrameLayout
{
    private static bool Write(bool bigEndian, float value, Span<byte> destination)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteSingleBigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination, value);
        }

        return true;
    }

    private static bool Write(bool bigEndian, double value, Span<byte> destination)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteDoubleBigEndian(destination, value);
        }
        else
        {
            BinaryPrimitives.WriteDoubleLittleEndian(destination, value);
        }

        return true;
    }

    private static bool TryWriteUnsigned(FrameFieldKind kind, bool bigEndian, ulong value, Span<byte> destination)
    {
        switch (kind)
        {
            case FrameFieldKind.U8 when value <= byte.MaxValue:
                destination[0] = (byte)value;
                return true;
            case FrameFieldKind.U16 when value <= ushort.MaxValue:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)value);
                }

                return true;
            case FrameFieldKind.U32 when value <= uint.MaxValue:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)value);
                }

                return true;
            case FrameFieldKind.U64:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteUInt64BigEndian(destination, value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(destination, value);
                }

                return true;
            default:
                return false;
        }
    }

    private static bool TryWriteSigned(FrameFieldKind kind, bool bigEndian, long value, Span<byte> destination)
    {
        switch (kind)
        {
            case FrameFieldKind.I8 when value is >= sbyte.MinValue and <= sbyte.MaxValue:
                destination[0] = (byte)(sbyte)value;
                return true;
            case FrameFieldKind.I16 when value is >= short.MinValue and <= short.MaxValue:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteInt16BigEndian(destination, (short)value);
                }
                else
                {
                    BinaryPrimitives.WriteInt16LittleEndian(destination, (short)value);
                }

                return true;
            case FrameFieldKind.I32 when value is >= int.MinValue and <= int.MaxValue:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteInt32BigEndian(destination, (int)value);
                }
                else
                {
                    BinaryPrimitives.WriteInt32LittleEndian(destination, (int)value);
                }

                return true;
            case FrameFieldKind.I64:
                if (bigEndian)
                {
                    BinaryPrimitives.WriteInt64BigEndian(destination, value);
                }
                else
                {
                    BinaryPrimitives.WriteInt64LittleEndian(destination, value);
                }

                return true;
            default:
                return false;
        }
    }
}
