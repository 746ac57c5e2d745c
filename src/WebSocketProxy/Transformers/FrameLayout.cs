using System.Globalization;

namespace WebSocketProxy.Transformers;

/// <summary>
/// A fixed binary frame layout, declared as <c>name:type[=constant]</c> fields separated by commas, e.g.
/// <c>version:u8=1, sensor:u16, value:f64, ts:i64</c>. Types: <c>u8 i8 u16 i16 u32 i32 u64 i64 f32 f64</c>, each with an
/// optional <c>be</c>/<c>le</c> suffix overriding the default byte order, and <c>utf8[N]</c> (a fixed-length UTF-8 string,
/// zero-padded). A constant (integers only) must match when a frame is read and is written when it is built.
/// </summary>
/// <remarks>Immutable and thread-safe. At most 64 fields; the encoding and decoding are in <c>FrameLayout.Codec.cs</c>.</remarks>
internal sealed partial class FrameLayout
{
    private const int MaxFields = 64;

    private FrameLayout(FrameField[] fields, int size)
    {
        Fields = fields;
        Size = size;
    }

    public FrameField[] Fields { get; }

    /// <summary>Gets the frame size in bytes; a frame of any other length is malformed.</summary>
    public int Size { get; }

    /// <summary>Parses a layout; throws <see cref="FormatException"/> naming the field that is wrong.</summary>
    public static FrameLayout Parse(string text, bool bigEndianByDefault)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("declares no field.");
        }

        if (parts.Length > MaxFields)
        {
            throw new FormatException($"declares {parts.Length} fields; at most {MaxFields} are supported.");
        }

        var fields = new FrameField[parts.Length];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var offset = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"field {i} ('{part}') must be name:type, e.g. value:f64.");
            }

            var name = part[..colon].Trim();
            if (!names.Add(name))
            {
                throw new FormatException($"field {i} repeats the name '{name}'.");
            }

            var rest = part[(colon + 1)..].Trim();
            string? constantText = null;
            var equals = rest.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                constantText = rest[(equals + 1)..].Trim();
                rest = rest[..equals].Trim();
            }

            var (kind, size, bigEndian) = ParseType(rest, bigEndianByDefault) ?? throw new FormatException(
                $"field {i} ('{name}') has an unknown type '{rest}': use u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 (with an optional be/le suffix) or utf8[N].");
            byte[]? constant = null;
            if (constantText is not null)
            {
                constant = new byte[size];
                if (kind is FrameFieldKind.F32 or FrameFieldKind.F64 or FrameFieldKind.Utf8 || !TryEncodeConstant(kind, bigEndian, constantText, constant))
                {
                    throw new FormatException($"field {i} ('{name}') has a constant '{constantText}' that is not a valid {rest} integer.");
                }
            }

            fields[i] = new FrameField(name, kind, bigEndian, offset, size, constant);
            offset += size;
        }

        return new FrameLayout(fields, offset);
    }

    private static (FrameFieldKind Kind, int Size, bool BigEndian)? ParseType(string type, bool bigEndianByDefault)
    {
        type = type.ToLowerInvariant();
        if (type.StartsWith("utf8[", StringComparison.Ordinal) && type.EndsWith(']'))
        {
            return int.TryParse(type.AsSpan(5, type.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length is > 0 and <= 65536
                ? (FrameFieldKind.Utf8, length, bigEndianByDefault)
                : null;
        }

        var bigEndian = bigEndianByDefault;
        if (type.EndsWith("be", StringComparison.Ordinal))
        {
            bigEndian = true;
            type = type[..^2];
        }
        else if (type.EndsWith("le", StringComparison.Ordinal))
        {
            bigEndian = false;
            type = type[..^2];
        }

        return type switch
        {
            "u8" => (FrameFieldKind.U8, 1, bigEndian),
            "i8" => (FrameFieldKind.I8, 1, bigEndian),
            "u16" => (FrameFieldKind.U16, 2, bigEndian),
            "i16" => (FrameFieldKind.I16, 2, bigEndian),
            "u32" => (FrameFieldKind.U32, 4, bigEndian),
            "i32" => (FrameFieldKind.I32, 4, bigEndian),
            "u64" => (FrameFieldKind.U64, 8, bigEndian),
            "i64" => (FrameFieldKind.I64, 8, bigEndian),
            "f32" => (FrameFieldKind.F32, 4, bigEndian),
            "f64" => (FrameFieldKind.F64, 8, bigEndian),
            _ => null,
        };
    }

    private static bool TryEncodeConstant(FrameFieldKind kind, bool bigEndian, string text, Span<byte> destination)
    {
        if (kind is FrameFieldKind.U8 or FrameFieldKind.U16 or FrameFieldKind.U32 or FrameFieldKind.U64)
        {
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var unsigned) && TryWriteUnsigned(kind, bigEndian, unsigned, destination);
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed) && TryWriteSigned(kind, bigEndian, signed, destination);
    }
}
