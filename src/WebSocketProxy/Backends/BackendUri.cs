using System.Text;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Builds the backend URL: the backend address as is, plus the route's catch-all value, plus the query string.</summary>
internal static class BackendUri
{
    /// <summary>
    /// Whether the route's catch-all value is free of dot segments once fully decoded: <c>..%2F</c>, <c>%2e%2e/</c>,
    /// <c>..%5C</c> or <c>..;/</c> would otherwise reach the backend, whose own decoding may walk out of its path.
    /// </summary>
    public static bool IsSafePath(HttpContext context, RouteModel route)
    {
        if (route.CatchAllParameter is not { } parameter || !context.Request.RouteValues.TryGetValue(parameter, out var value) || value is not string text || text.Length == 0)
        {
            return true;
        }

        if (text.AsSpan().IndexOfAny('%', '.', '\\') < 0 && !text.Contains(';', StringComparison.Ordinal))
        {
            return true; // nothing that can form a dot segment
        }

        var decoded = text;
        for (var i = 0; i < 3 && decoded.Contains('%', StringComparison.Ordinal); i++)
        {
            decoded = Uri.UnescapeDataString(decoded); // double encoding (%252e) too
        }

        foreach (var segment in decoded.Split('/', '\\'))
        {
            var name = segment.AsSpan();
            var parameters = name.IndexOf(';');
            if (parameters >= 0)
            {
                name = name[..parameters]; // "..;/" (path parameters some servers strip)
            }

            if (name is "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The address for logs: scheme, authority and path; every query value replaced by <c>***</c>.</summary>
    public static string Redact(Uri target)
    {
        var query = target.Query;
        if (query.Length <= 1)
        {
            return target.GetLeftPart(UriPartial.Path);
        }

        var builder = new StringBuilder(target.GetLeftPart(UriPartial.Path));
        var separator = '?';
        foreach (var pair in query[1..].Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            builder.Append(separator).Append(equals < 0 ? pair : pair[..equals]).Append("=***");
            separator = '&';
        }

        return builder.ToString();
    }

    public static Uri Build(Uri address, HttpContext context, RouteModel route)
    {
        string? rest = null;
        if (route.CatchAllParameter is { } parameter && context.Request.RouteValues.TryGetValue(parameter, out var value) && value is string text && text.Length > 0)
        {
            rest = text;
        }

        var query = context.Request.QueryString;
        if (rest is null && !query.HasValue)
        {
            return address;
        }

        var builder = new StringBuilder(256);
        builder.Append(address.GetLeftPart(UriPartial.Path));
        if (rest is not null)
        {
            if (builder[^1] == '/')
            {
                builder.Length--;
            }

            // Re-encode the decoded route value segment by segment.
            builder.Append(new PathString("/" + rest.TrimStart('/')).ToUriComponent());
        }

        var addressQuery = address.Query;
        if (addressQuery.Length > 1)
        {
            builder.Append(addressQuery);
            if (query.HasValue)
            {
                builder.Append('&').Append(query.Value.AsSpan(1));
            }
        }
        else if (query.HasValue)
        {
            builder.Append(query.Value);
        }

        return new Uri(builder.ToString());
    }
}
