using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;

namespace WebSocketProxy.Admission;

/// <summary>Validates a route's admission keys (security, concurrent-session and message limits) and compiles its <see cref="AdmissionPolicy"/>.</summary>
internal sealed class AdmissionRouteValidator : IRouteConfigValidator
{
    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var start = context.Errors.Count;
        RouteSecurityPolicy.Validate(config, context.Key, context.Errors);
        ConnectionConcurrencyLimiter.Validate(config.ConcurrentConnections, $"{context.Key}:ConcurrentConnections", context.Errors);
        MessageLimitRule.Validate(config.MessageRateLimit, $"{context.Key}:MessageRateLimit", context.Errors);
        MessageLimitRule.Validate(config.UserMessageRateLimit, $"{context.Key}:UserMessageRateLimit", context.Errors);
        if (context.Errors.Count == start)
        {
            var policy = AdmissionPolicy.Create(context.Id, config);
            context.Features.Add(policy);
            context.Features.Add(policy.Security);
        }
    }
}
