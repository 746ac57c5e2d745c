using System.Text.Json;

namespace WebSocketProxy.Transformers;

/// <summary>The value types of a <see cref="FrameLayout"/> field.</summary>
internal enum FrameFieldKind
{
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
    Utf8,
}

/// <summary>One field of a <see cref="FrameLayout"/>: its JSON name, type, byte order, position and optional constant.</summary>
internal sealed class FrameField
{
    public FrameField(string name, FrameFieldKind kind, bool bigEndian, int offset, int size, byte[]? constant)
    {
        Name = JsonEncodedText.Encode(name);
        Utf8Name = System.Text.Encoding.UTF8.GetBytes(name);
        Kind = kind;
        BigEndian = bigEndian;
        Offset = offset;
        Size = size;
        Constant = constant;
    }

    public JsonEncodedText Name { get; }

    public byte[] Utf8Name { get; }

    public FrameFieldKind Kind { get; }

    public bool BigEndian { get; }

    public int Offset { get; }

    public int Size { get; }

    /// <summary>Gets the field's encoded constant (e.g. a version byte), or null for a free field.</summary>
    public byte[]? Constant { get; }
}
