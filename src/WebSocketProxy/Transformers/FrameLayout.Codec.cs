using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace WebSocketProxy.Transformers;

/// <summary>Reading a frame into JSON and building a frame from JSON, both allocation-free.</summary>
internal sealed partial class FrameLayout
{
    /// <summary>Writes <paramref name="frame"/> as a JSON object; false when it is malformed (length, constant, non-finite float, invalid UTF-8).</summary>
    public bool TryDecode(ReadOnlySpan<byte> frame, Utf8JsonWriter json)
    {
        if (frame.Length != Size)
        {
            return false;
        }

        foreach (var field in Fields)
        {
            if (field.Constant is { } constant && !frame.Slice(field.Offset, field.Size).SequenceEqual(constant))
            {
                return false;
            }
        }

        json.WriteStartObject();
        foreach (var field in Fields)
        {
            var bytes = frame.Slice(field.Offset, field.Size);
            var be = field.BigEndian;
            switch (field.Kind)
            {
                case FrameFieldKind.U8:
                    json.WriteNumber(field.Name, (uint)bytes[0]);
                    break;
                case FrameFieldKind.I8:
                    json.WriteNumber(field.Name, (int)(sbyte)bytes[0]);
                    break;
                case FrameFieldKind.U16:
                    json.WriteNumber(field.Name, (uint)(be ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes)));
                    break;
                case FrameFieldKind.I16:
                    json.WriteNumber(field.Name, (int)(be ? BinaryPrimitives.ReadInt16BigEndian(bytes) : BinaryPrimitives.ReadInt16LittleEndian(bytes)));
                    break;
                case FrameFieldKind.U32:
                    json.WriteNumber(field.Name, be ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes));
                    break;
                case FrameFieldKind.I32:
                    json.WriteNumber(field.Name, be ? BinaryPrimitives.ReadInt32BigEndian(bytes) : BinaryPrimitives.ReadInt32LittleEndian(bytes));
                    break;
                case FrameFieldKind.U64:
                    json.WriteNumber(field.Name, be ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes));
                    break;
                case FrameFieldKind.I64:
                    json.WriteNumber(field.Name, be ? BinaryPrimitives.ReadInt64BigEndian(bytes) : BinaryPrimitives.ReadInt64LittleEndian(bytes));
                    break;
                case FrameFieldKind.F32:
                    var single = be ? BinaryPrimitives.ReadSingleBigEndian(bytes) : BinaryPrimitives.ReadSingleLittleEndian(bytes);
                    if (!float.IsFinite(single))
                    {
                        return false;
                    }

                    json.WriteNumber(field.Name, single);
                    break;
                case FrameFieldKind.F64:
                    var number = be ? BinaryPrimitives.ReadDoubleBigEndian(bytes) : BinaryPrimitives.ReadDoubleLittleEndian(bytes);
                    if (!double.IsFinite(number))
                    {
                        return false;
                    }

                    json.WriteNumber(field.Name, number);
                    break;
                default:
                    var end = bytes.IndexOf((byte)0);
                    var text = end < 0 ? bytes : bytes[..end];
                    if (!Utf8.IsValid(text))
                    {
                        return false;
                    }

                    json.WriteString(field.Name, text);
                    break;
            }
        }

        json.WriteEndObject();
        return true;
    }

    /// <summary>Builds a frame into <paramref name="frame"/> (<see cref="Size"/> bytes) from a JSON object; false when the JSON does not fit the layout.</summary>
    /// <remarks>Every field without a constant is required; a constant field may be left out and must match when present; other properties are ignored.</remarks>
    public bool TryEncode(ReadOnlySpan<byte> utf8Json, Span<byte> frame)
    {
        frame = frame[..Size];
        frame.Clear();
        ulong seen = 0;
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var index = FieldIndex(ref reader);
                reader.Read();
                if (index < 0)
                {
                    reader.Skip();
                    continue;
                }

                var field = Fields[index];
                if (!TryWriteValue(ref reader, field, frame.Slice(field.Offset, field.Size)))
                {
                    return false;
                }

                seen |= 1UL << index;
            }

            while (reader.Read())
            {
                // Reads to the end: anything after the object makes the message malformed.
            }
        }
        catch (JsonException)
        {
            return false;
        }

        for (var i = 0; i < Fields.Length; i++)
        {
            var field = Fields[i];
            if (field.Constant is { } constant)
            {
                var bytes = frame.Slice(field.Offset, field.Size);
                if ((seen & (1UL << i)) == 0)
                {
                    constant.CopyTo(bytes);
                }
                else if (!bytes.SequenceEqual(constant))
                {
                    return false;
                }
            }
            else if ((seen & (1UL << i)) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private int FieldIndex(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Fields.Length; i++)
        {
            if (reader.ValueTextEquals(Fields[i].Utf8Name))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryWriteValue(ref Utf8JsonReader reader, FrameField field, Span<byte> destination)
    {
        switch (field.Kind)
        {
            case FrameFieldKind.Utf8:
                return reader.TokenType == JsonTokenType.String && TryCopyString(ref reader, destination);
            case FrameFieldKind.F32:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d32) && float.IsFinite((float)d32)
                    && Write(field.BigEndian, (float)d32, destination);
            case FrameFieldKind.F64:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var d64) && Write(field.BigEndian, d64, destination);
            case FrameFieldKind.U8 or FrameFieldKind.U16 or FrameFieldKind.U32 or FrameFieldKind.U64:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var unsigned) && TryWriteUnsigned(field.Kind, field.BigEndian, unsigned, destination);
            default:
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var signed) && TryWriteSigned(field.Kind, field.BigEndian, signed, destination);
        }
    }

    private static bool TryCopyString(ref Utf8JsonReader reader, Span<byte> destination)
    {
        if (!reader.ValueIsEscaped)
        {
            var value = reader.ValueSpan;
            if (value.Length > destination.Length)
            {
                return false;
            }

            value.CopyTo(destination);
            return true;
        }

        if (reader.ValueSpan.Length <= destination.Length)
        {
            reader.CopyString(destination); // unescaping never makes a string longer
            return true;
        }

        var scratch = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(scratch);
            if (length > destination.Length)
            {
                return false;
            }

            scratch.AsSpan(0, length).CopyTo(destination);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
