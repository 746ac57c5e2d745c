using System.Text;

namespace WebSocketProxy.Transformers;

/// <summary>One step of a <see cref="JsonPath"/>: a property name, an array index or a wildcard, at the next level or at any depth below.</summary>
internal sealed class JsonPathSegment
{
    private JsonPathSegment(byte[]? name, int index, bool descendant)
    {
        Utf8Name = name;
        Index = index;
        Descendant = descendant;
    }

    /// <summary>Gets the property name (UTF-8), or null for an index or a wildcard.</summary>
    public byte[]? Utf8Name { get; }

    /// <summary>Gets the array index; -1 for a name, -2 for a wildcard.</summary>
    public int Index { get; }

    /// <summary>Gets whether the segment matches at any depth below the previous one (<c>..</c>).</summary>
    public bool Descendant { get; }

    public bool IsWildcard => Index == -2;

    public static JsonPathSegment Property(string name, bool descendant) => new(Encoding.UTF8.GetBytes(name), -1, descendant);

    public static JsonPathSegment Element(int index, bool descendant) => new(null, index, descendant);

    public static JsonPathSegment Wildcard(bool descendant) => new(null, -2, descendant);
}
