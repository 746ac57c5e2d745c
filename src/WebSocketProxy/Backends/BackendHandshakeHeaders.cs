using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Configuration;
using WebSocketProxy.Security;

namespace WebSocketProxy.Backends;

/// <summary>Builds the headers of the backend handshake: the client's end-to-end headers (or an allow-list of them), <c>X-Forwarded-*</c>, trace context and identity headers.</summary>
/// <remarks>Hop-by-hop and <c>Sec-WebSocket-*</c> headers are never copied: the backend leg negotiates its own.</remarks>
internal static partial class BackendHandshakeHeaders
{
    public const string XForwardedFor = "X-Forwarded-For";
    public const string XForwardedProto = "X-Forwarded-Proto";
    public const string XForwardedHost = "X-Forwarded-Host";

    /// <summary>Headers the proxy never copies from the client: hop-by-hop, the ones the backend leg sets itself, and the ones the proxy produces.</summary>
    private static readonly HashSet<string> NeverCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Upgrade", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Proxy-Connection",
        "Proxy-Authenticate", "Proxy-Authorization", "Host", "Content-Length", "Content-Type", "Expect",
        XForwardedFor, XForwardedProto, XForwardedHost, "Forwarded", "traceparent", "tracestate",
    };

    public static void Apply(HttpContext context, BackendHandshakePolicy policy, RouteSecurityPolicy? security, KeyValuePair<string, string>[] identityHeaders, IBackendHandshakeHeaderTarget options)
    {
        var request = context.Request;
        var connectionTokens = ConnectionTokens(request.Headers.Connection);
        foreach (var (name, values) in request.Headers)
        {
            if (!ShouldCopy(name, policy, security) || StringValues.IsNullOrEmpty(values) || connectionTokens?.Contains(name) == true)
            {
                continue; // also the headers the client's Connection header names: hop-by-hop by RFC 9110 §7.6.1
            }

            var separator = string.Equals(name, "Cookie", StringComparison.OrdinalIgnoreCase) ? "; " : ", ";
            options.SetHeader(name, values.Count == 1 ? values[0] : string.Join(separator, values.ToArray()));
        }

        if (policy.XForwarded != ForwardedHeadersMode.Off)
        {
            var append = policy.XForwarded == ForwardedHeadersMode.Append;
            var remote = context.Connection.RemoteIpAddress;
            var forValue = remote is null ? "unknown" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
            SetForwarded(options, request.Headers, XForwardedFor, forValue, append);
            SetForwarded(options, request.Headers, XForwardedProto, request.Scheme, append);
            if (request.Host.HasValue)
            {
                SetForwarded(options, request.Headers, XForwardedHost, request.Host.Value, append);
            }
        }

        ApplyTraceContext(request, options);
        foreach (var (name, value) in identityHeaders)
        {
            options.SetHeader(name, value);
        }
    }

    /// <summary>The header names a request's <c>Connection</c> header lists besides <c>Upgrade</c> and <c>keep-alive</c>; null when there are none (the usual case).</summary>
    private static HashSet<string>? ConnectionTokens(StringValues connection)
    {
        HashSet<string>? tokens = null;
        foreach (var value in connection)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!part.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) && !part.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
                {
                    (tokens ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(part);
                }
            }
        }

        return tokens;
    }

    private static bool ShouldCopy(string name, BackendHandshakePolicy policy, RouteSecurityPolicy? security)
    {
        if (name.Length == 0 || name[0] == ':' || NeverCopied.Contains(name) || name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase))
        {
            return false; // pseudo-headers (HTTP/2), hop-by-hop, handshake and proxy-produced headers
        }

        if (security?.IsIdentityHeader(name) == true || policy.Removed?.Contains(name) == true)
        {
            return false; // a client's copy of an identity header is never believed
        }

        return policy.AllowList is null || policy.AllowList.Contains(name);
    }

    private static void SetForwarded(IBackendHandshakeHeaderTarget options, IHeaderDictionary headers, string name, string value, bool append)
    {
        if (append && headers.TryGetValue(name, out var existing) && !StringValues.IsNullOrEmpty(existing))
        {
            value = string.Join(", ", existing.ToArray()) + ", " + value;
        }

        options.SetHeader(name, value);
    }

    private static void ApplyTraceContext(HttpRequest request, IBackendHandshakeHeaderTarget options)
    {
        var activity = Activity.Current;
        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            DistributedContextPropagator.Current.Inject(activity, options, static (carrier, name, value) =>
            {
                if (carrier is IBackendHandshakeHeaderTarget target && value is not null)
                {
                    target.SetHeader(name, value);
                }
            });
            return;
        }

        // No activity of our own: pass the caller's trace context through unchanged.
        if (request.Headers.TryGetValue("traceparent", out var traceParent) && traceParent.Count == 1)
        {
            options.SetHeader("traceparent", traceParent[0]);
            if (request.Headers.TryGetValue("tracestate", out var traceState) && traceState.Count == 1)
            {
                options.SetHeader("tracestate", traceState[0]);
            }
        }
    }
}
