using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>How a route builds its backend handshakes and answers a backend's refusal: which request headers are copied, how <c>X-Forwarded-*</c> is produced, which refusal headers reach the client.</summary>
internal sealed class BackendHandshakePolicy
{
    /// <summary>Response headers of a backend's refusal that always reach the client.</summary>
    private static readonly string[] SafeResponseHeaders = ["WWW-Authenticate", "Retry-After", "Content-Type"];

    public BackendHandshakePolicy(RouteConfig config)
    {
        AllowList = config.ForwardHeaders is { Count: > 0 } allowed ? new HashSet<string>(allowed, StringComparer.OrdinalIgnoreCase) : null;
        Removed = config.RemoveHeaders is { Count: > 0 } removed ? new HashSet<string>(removed, StringComparer.OrdinalIgnoreCase) : null;
        XForwarded = config.XForwarded ?? ForwardedHeadersMode.Set;
        PassThroughResponseHeaders = new HashSet<string>(SafeResponseHeaders, StringComparer.OrdinalIgnoreCase);
        if (config.PassThroughResponseHeaders is not null)
        {
            PassThroughResponseHeaders.UnionWith(config.PassThroughResponseHeaders);
        }
    }

    /// <summary>Gets the allow-list of copied request headers, or null when every end-to-end header is copied.</summary>
    public HashSet<string>? AllowList { get; }

    /// <summary>Gets the request headers never copied, or null.</summary>
    public HashSet<string>? Removed { get; }

    public ForwardedHeadersMode XForwarded { get; }

    /// <summary>Gets the response headers of a backend's refusal passed to the client.</summary>
    public HashSet<string> PassThroughResponseHeaders { get; }
}
