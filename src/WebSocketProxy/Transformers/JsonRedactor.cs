using System.Text.Json;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// Masks the values that JSON paths select, copying every other byte of the payload as it is (no re-serialisation, so
/// numbers, escapes and whitespace survive). Allocation-free: one forward pass with <see cref="Utf8JsonReader"/>, path
/// matching on bit masks, and a pooled output buffer taken only when something is masked.
/// </summary>
/// <remarks>Thread-safe; at most 64 path segments over all paths and JSON nested at most 64 deep.</remarks>
internal sealed class JsonRedactor
{
    private const int MaxDepth = 64;
    private const int MaxSegments = 64;

    private readonly JsonPathSegment[] _segments;
    private readonly int[] _pathEnds;
    private readonly byte[] _mask;

    public JsonRedactor(IReadOnlyList<string> paths, string mask)
    {
        var segments = new List<JsonPathSegment>();
        var ends = new List<int>();
        foreach (var text in paths)
        {
            segments.AddRange(JsonPath.Parse(text).Segments);
            ends.Add(segments.Count);
        }

        if (segments.Count > MaxSegments)
        {
            throw new FormatException($"The paths have {segments.Count} segments together; at most {MaxSegments} are supported.");
        }

        _segments = [.. segments];
        _pathEnds = [.. ends];
        var encoded = JsonEncodedText.Encode(mask).EncodedUtf8Bytes;
        _mask = new byte[encoded.Length + 2];
        _mask[0] = (byte)'"';
        encoded.CopyTo(_mask.AsSpan(1));
        _mask[^1] = (byte)'"';
    }

    /// <summary>Masks the selected values of <paramref name="json"/>; a redacted copy goes to a writer of <paramref name="context"/>.</summary>
    public RedactionOutcome Redact(ReadOnlySpan<byte> json, MessageTransformContext context, out MessagePayloadWriter? output)
    {
        output = null;
        Span<ulong> masks = stackalloc ulong[MaxDepth + 2];   // masks[d]: which segments the location element at depth d matches
        Span<int> nextIndex = stackalloc int[MaxDepth + 2];   // the next element index of the array holding depth-d values
        Span<bool> inArray = stackalloc bool[MaxDepth + 2];   // whether depth-d values are array elements
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var copied = 0;
        try
        {
            if (!reader.Read())
            {
                return RedactionOutcome.NotJson;
            }

            do
            {
                var depth = reader.CurrentDepth;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        masks[depth] = NameMask(ref reader);
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray or JsonTokenType.Comment:
                        continue;
                }

                if (depth > 0)
                {
                    if (inArray[depth])
                    {
                        masks[depth] = IndexMask(nextIndex[depth]++);
                    }

                    if (Selected(masks[1..(depth + 1)]))
                    {
                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        output ??= context.CreatePayloadWriter();
                        output.Write(json[copied..start]);
                        output.Write(_mask);
                        copied = (int)reader.BytesConsumed;
                        continue;
                    }
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    inArray[depth + 1] = reader.TokenType == JsonTokenType.StartArray;
                    nextIndex[depth + 1] = 0;
                }
            }
            while (reader.Read());
        }
        catch (JsonException)
        {
            output?.Reset();
            output = null;
            return RedactionOutcome.NotJson;
        }

        if (output is null)
        {
            return RedactionOutcome.Unchanged;
        }

        output.Write(json[copied..]);
        return RedactionOutcome.Redacted;
    }

    private ulong NameMask(ref Utf8JsonReader reader)
    {
        ulong mask = 0;
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i];
            if (segment.IsWildcard || (segment.Utf8Name is { } name && reader.ValueTextEquals(name)))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    private ulong IndexMask(int index)
    {
        ulong mask = 0;
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i];
            if (segment.IsWildcard || segment.Index == index)
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    /// <summary>Whether any path selects the location whose elements match <paramref name="location"/> (element i matches the segments set in location[i]).</summary>
    private bool Selected(ReadOnlySpan<ulong> location)
    {
        var start = 0;
        foreach (var end in _pathEnds)
        {
            if (Matches(start, end, location, 0))
            {
                return true;
            }

            start = end;
        }

        return false;
    }

    private bool Matches(int segment, int end, ReadOnlySpan<ulong> location, int at)
    {
        if (segment == end)
        {
            return at == location.Length;
        }

        var bit = 1UL << segment;
        if (!_segments[segment].Descendant)
        {
            return at < location.Length && (location[at] & bit) != 0 && Matches(segment + 1, end, location, at + 1);
        }

        for (var k = at; k < location.Length; k++)
        {
            if ((location[k] & bit) != 0 && Matches(segment + 1, end, location, k + 1))
            {
                return true;
            }
        }

        return false;
    }
}
