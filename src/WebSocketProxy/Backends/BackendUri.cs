using System.Text;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Builds the backend URL: the backend address as is, plus the route's catch-all value, plus the query string.</summary>
internal static class BackendUri
{
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
