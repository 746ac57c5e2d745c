using System.Globalization;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The subset of JSONPath the redaction understands: <c>$</c> followed by <c>.name</c>, <c>['name']</c>, <c>[n]</c>,
/// <c>.*</c> / <c>[*]</c>, and <c>..</c> (any depth) before any of them, e.g. <c>$.card.number</c>, <c>$..password</c>,
/// <c>$.items[*].token</c>. Filters, slices and unions are not supported.
/// </summary>
internal sealed class JsonPath
{
    private JsonPath(string text, JsonPathSegment[] segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public JsonPathSegment[] Segments { get; }

    /// <summary>Parses a path; throws <see cref="FormatException"/> saying where it is wrong.</summary>
    public static JsonPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var path = text.Trim();
        if (path.Length == 0 || path[0] != '$')
        {
            throw new FormatException($"JSON path '{text}' must start with '$'.");
        }

        var segments = new List<JsonPathSegment>();
        var i = 1;
        while (i < path.Length)
        {
            var descendant = false;
            if (path[i] == '.')
            {
                i++;
                if (i < path.Length && path[i] == '.')
                {
                    descendant = true;
                    i++;
                }

                if (i < path.Length && path[i] == '[')
                {
                    if (!descendant)
                    {
                        throw Error(text, i, "'.' must be followed by a name or '*'");
                    }
                }
                else
                {
                    var start = i;
                    while (i < path.Length && path[i] is not ('.' or '['))
                    {
                        i++;
                    }

                    var name = path[start..i];
                    if (name.Length == 0)
                    {
                        throw Error(text, start, "a name is missing");
                    }

                    segments.Add(name == "*" ? JsonPathSegment.Wildcard(descendant) : JsonPathSegment.Property(name, descendant));
                    continue;
                }
            }

            if (path[i] != '[')
            {
                throw Error(text, i, "expected '.', '..' or '['");
            }

            var close = path.IndexOf(']', i);
            if (close < 0)
            {
                throw Error(text, i, "'[' is not closed");
            }

            var inner = path[(i + 1)..close].Trim();
            if (inner == "*")
            {
                segments.Add(JsonPathSegment.Wildcard(descendant));
            }
            else if (inner.Length >= 2 && (inner[0] is '\'' or '"') && inner[^1] == inner[0])
            {
                segments.Add(JsonPathSegment.Property(inner[1..^1], descendant));
            }
            else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                segments.Add(JsonPathSegment.Element(index, descendant));
            }
            else
            {
                throw Error(text, i, $"'[{inner}]' is not supported (use ['name'], [n] or [*])");
            }

            i = close + 1;
        }

        if (segments.Count == 0)
        {
            throw new FormatException($"JSON path '{text}' selects the whole message; name a field.");
        }

        return new JsonPath(text, [.. segments]);
    }

    private static FormatException Error(string text, int position, string problem)
        => new($"JSON path '{text}' is not supported at position {position}: {problem}.");
}
