using WebSocketProxy.Configuration;
using WebSocketProxy.Security;

namespace WebSocketProxy.Admission;

/// <summary>What the handshake gate checks for one route, compiled once per configuration: the security policy and the limits a session takes.</summary>
/// <remarks>Proxy routes get theirs from <see cref="AdmissionRouteValidator"/>; LLM routes build one from their own settings with <see cref="Create"/>.</remarks>
internal sealed class AdmissionPolicy
{
    private AdmissionPolicy(string routeId, RouteConfig config)
    {
        RouteId = routeId;
        Security = RouteSecurityPolicy.Create(config);
        ConcurrentConnections = config.ConcurrentConnections;
        MessageRateLimit = config.MessageRateLimit;
        UserMessageRateLimit = config.UserMessageRateLimit;
    }

    public string RouteId { get; }

    public RouteSecurityPolicy Security { get; }

    public ConcurrentConnectionLimitConfig? ConcurrentConnections { get; }

    public MessageRateLimitConfig? MessageRateLimit { get; }

    public MessageRateLimitConfig? UserMessageRateLimit { get; }

    /// <summary>Builds the policy of a route from the admission keys of <paramref name="config"/> (origins, tokens, identity headers, limits), which must be valid.</summary>
    public static AdmissionPolicy Create(string routeId, RouteConfig config) => new(routeId, config);
}
