using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Configuration;
using WebSocketProxy.Security;

namespace WebSocketProxy.Backends;

/// <content>The same header policy for the forwarded HTTP requests of a <c>ForwardHttp</c> route.</content>
internal static partial class BackendHandshakeHeaders
{
    /// <summary>
    /// Applies the route's header policy to a forwarded HTTP request whose headers the forwarder's base transformer copied:
    /// removes what the handshake would not copy (allow-list, removed and identity headers, client-sent <c>X-Forwarded-*</c>
    /// and trace context), then adds <c>X-Forwarded-*</c>, the proxy's trace context and the identity headers. Content
    /// headers (on the request's content) are kept.
    /// </summary>
    public static void ApplyToRequest(HttpContext context, BackendHandshakePolicy policy, RouteSecurityPolicy? security, KeyValuePair<string, string>[] identityHeaders, HttpRequestMessage proxyRequest)
    {
        var headers = proxyRequest.Headers;
        List<string>? removed = null;
        foreach (var header in headers.NonValidated)
        {
            if (!ShouldCopy(header.Key, policy, security))
            {
                (removed ??= []).Add(header.Key);
            }
        }

        if (removed is not null)
        {
            foreach (var name in removed)
            {
                headers.Remove(name);
            }
        }

        var request = context.Request;
        if (policy.XForwarded != ForwardedHeadersMode.Off)
        {
            var append = policy.XForwarded == ForwardedHeadersMode.Append;
            var remote = context.Connection.RemoteIpAddress;
            var forValue = remote is null ? "unknown" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
            SetForwarded(headers, request.Headers, XForwardedFor, forValue, append);
            SetForwarded(headers, request.Headers, XForwardedProto, request.Scheme, append);
            if (request.Host.HasValue)
            {
                SetForwarded(headers, request.Headers, XForwardedHost, request.Host.Value, append);
            }
        }

        var activity = Activity.Current;
        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
            {
                if (carrier is System.Net.Http.Headers.HttpRequestHeaders target && value is not null)
                {
                    target.Remove(name);
                    target.TryAddWithoutValidation(name, value);
                }
            });
        }
        else if (request.Headers.TryGetValue("traceparent", out var traceParent) && traceParent.Count == 1)
        {
            headers.TryAddWithoutValidation("traceparent", traceParent[0]);
            if (request.Headers.TryGetValue("tracestate", out var traceState) && traceState.Count == 1)
            {
                headers.TryAddWithoutValidation("tracestate", traceState[0]);
            }
        }

        foreach (var (name, value) in identityHeaders)
        {
            headers.Remove(name);
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static void SetForwarded(System.Net.Http.Headers.HttpRequestHeaders target, IHeaderDictionary source, string name, string value, bool append)
    {
        if (append && source.TryGetValue(name, out var existing) && !StringValues.IsNullOrEmpty(existing))
        {
            value = string.Join(", ", existing.ToArray()) + ", " + value;
        }

        target.Remove(name);
        target.TryAddWithoutValidation(name, value);
    }
}
