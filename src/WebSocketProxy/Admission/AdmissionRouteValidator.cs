using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;

namespace WebSocketProxy.Admission;

/// <summary>Validates a route's admission keys (security, concurrent-session and message limits) and compiles its <see cref="AdmissionPolicy"/>.</summary>
internal sealed partial class AdmissionRouteValidator : IRouteConfigValidator
{
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.OrdinalIgnoreCase);

    public AdmissionRouteValidator(ILogger<AdmissionRouteValidator> logger)
    {
        _logger = logger;
    }

    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var start = context.Errors.Count;
        RouteSecurityPolicy.Validate(config, context.Key, context.Errors);
        ConnectionConcurrencyLimiter.Validate(config.ConcurrentConnections, $"{context.Key}:ConcurrentConnections", context.Errors);
        MessageLimitRule.Validate(config.MessageRateLimit, $"{context.Key}:MessageRateLimit", context.Errors);
        MessageLimitRule.Validate(config.UserMessageRateLimit, $"{context.Key}:UserMessageRateLimit", context.Errors);
        if (context.Errors.Count != start)
        {
            return;
        }

        var policy = AdmissionPolicy.Create(context.Id, config);
        context.Features.Add(policy);
        context.Features.Add(policy.Security);
        if (config.AuthorizationPolicy is { Length: > 0 } authorization
            && !string.Equals(authorization, "anonymous", StringComparison.OrdinalIgnoreCase)
            && !policy.Security.HasOriginList
            && _warned.TryAdd(context.Id, true))
        {
            // Cookie authentication without an Origin check lets any site open the route as the user.
            Log.NoOriginList(_logger, context.Id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.NoOriginList, EventName = nameof(EventIds.NoOriginList), Level = LogLevel.Warning, Message = "Route {Route} requires authorization but lists no AllowedOrigins: any site's page may open it with the user's cookies (cross-site WebSocket hijacking). List the origins of your pages.")]
        public static partial void NoOriginList(ILogger logger, string route);
    }
}
