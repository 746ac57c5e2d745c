using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>How a route builds its backend handshakes: which request headers are copied and how <c>X-Forwarded-*</c> is produced.</summary>
internal sealed class BackendHandshakePolicy
{
    public BackendHandshakePolicy(RouteConfig config)
    {
        ForwardHeaders = config.ForwardHeaders is { Count: > 0 } headers ? [.. headers] : [];
        XForwarded = config.XForwarded ?? ForwardedHeadersMode.Append;
    }

    public string[] ForwardHeaders { get; }

    public ForwardedHeadersMode XForwarded { get; }
}
