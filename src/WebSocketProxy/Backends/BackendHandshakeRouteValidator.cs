using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Validates a route's backend handshake keys (<c>ForwardHeaders</c>, <c>XForwarded</c>) and compiles its <see cref="BackendHandshakePolicy"/>.</summary>
internal sealed class BackendHandshakeRouteValidator : IRouteConfigValidator
{
    private static readonly HashSet<string> ForbiddenForwardHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Upgrade", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Proxy-Connection",
        "Proxy-Authenticate", "Proxy-Authorization", "Host", "Content-Length",
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "traceparent", "tracestate",
    };

    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var start = context.Errors.Count;
        if (config.ForwardHeaders is not null)
        {
            for (var i = 0; i < config.ForwardHeaders.Count; i++)
            {
                var header = config.ForwardHeaders[i];
                if (string.IsNullOrWhiteSpace(header))
                {
                    context.AddError($"ForwardHeaders:{i}", "is empty.");
                }
                else if (ForbiddenForwardHeaders.Contains(header) || header.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase))
                {
                    context.AddError($"ForwardHeaders:{i}", $"'{header}' is a hop-by-hop, handshake or proxy-managed header and is never copied.");
                }
            }
        }

        if (context.Errors.Count == start)
        {
            context.Features.Add(new BackendHandshakePolicy(config));
        }
    }
}
