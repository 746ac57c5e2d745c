using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace WebSocketProxy.Security;

/// <summary>Reads the access token a browser put in the query string or in an offered subprotocol, on routes that opt in with <see cref="Configuration.RouteConfig.AccessToken"/>.</summary>
/// <remarks>
/// Browsers cannot set headers on a WebSocket handshake. Wire this into your authentication scheme, e.g. for JWT bearer:
/// <code>options.Events = new JwtBearerEvents { OnMessageReceived = c => { c.Token ??= WebSocketAccessToken.Read(c.HttpContext); return Task.CompletedTask; } };</code>
/// The API-key scheme (<c>AddApiKey</c>) does so by itself. The proxy removes the token from the request before it builds the backend handshake.
/// </remarks>
public static class WebSocketAccessToken
{
    /// <summary>Returns the token of a WebSocket handshake on a proxy route that accepts browser tokens.</summary>
    /// <param name="context">The handshake request, after routing.</param>
    /// <returns>The token, or <see langword="null"/> when the request is not such a handshake or carries none.</returns>
    public static string? Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var policy = context.GetEndpoint()?.Metadata.GetMetadata<RouteSecurityPolicy>();
        if (policy is null || !context.WebSockets.IsWebSocketRequest)
        {
            return null;
        }

        if (policy.QueryParameter is { } parameter
            && context.Request.Query.TryGetValue(parameter, out var values)
            && values.Count == 1
            && !string.IsNullOrEmpty(values[0]))
        {
            return values[0];
        }

        if (policy.SubProtocolPrefix is { } prefix)
        {
            foreach (var protocol in context.WebSockets.WebSocketRequestedProtocols)
            {
                if (protocol.Length > prefix.Length && protocol.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return protocol[prefix.Length..];
                }
            }
        }

        return null;
    }

    /// <summary>Removes every token carrier the route accepts from the request, so that nothing after authentication (the backend handshake included) sees it.</summary>
    internal static void Strip(HttpContext context, RouteSecurityPolicy policy)
    {
        var request = context.Request;
        if (policy.QueryParameter is { } parameter && request.QueryString.HasValue && request.Query.ContainsKey(parameter))
        {
            var kept = new List<KeyValuePair<string, StringValues>>();
            foreach (var pair in request.Query)
            {
                if (!string.Equals(pair.Key, parameter, StringComparison.OrdinalIgnoreCase)) // the query is read case-insensitively, so it is stripped so too
                {
                    kept.Add(pair);
                }
            }

            request.QueryString = QueryString.Create(kept);
        }

        if (policy.SubProtocolPrefix is { } prefix && request.Headers.SecWebSocketProtocol.Count > 0)
        {
            var offered = context.WebSockets.WebSocketRequestedProtocols;
            var kept = new List<string>(offered.Count);
            foreach (var protocol in offered)
            {
                if (!protocol.StartsWith(prefix, StringComparison.Ordinal))
                {
                    kept.Add(protocol);
                }
            }

            if (kept.Count != offered.Count)
            {
                if (kept.Count == 0)
                {
                    request.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.SecWebSocketProtocol);
                }
                else
                {
                    request.Headers.SecWebSocketProtocol = string.Join(", ", kept);
                }
            }
        }
    }
}
