using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using WebSocketProxy.Model;

namespace WebSocketProxy.Routing;

/// <summary>
/// Checks that the ASP.NET Core policies a route names exist — authorization, CORS and rate limiter — on the first
/// load and on every reload, so a misspelled name is an error naming its key instead of a 500 on every handshake.
/// </summary>
/// <remarks>
/// Rate limiter policy names are checked against the policies registered through <c>AddRateLimiter</c>; ASP.NET Core
/// keeps them in a non-public map, so the names are read by reflection, and the check is skipped if that shape ever changes.
/// </remarks>
internal sealed class EndpointPolicyValidator : IRouteConfigValidator
{
    private readonly IOptionsMonitor<AuthorizationOptions> _authorization;
    private readonly IOptionsMonitor<CorsOptions> _cors;
    private readonly IOptionsMonitor<RateLimiterOptions> _rateLimiter;

    public EndpointPolicyValidator(IOptionsMonitor<AuthorizationOptions> authorization, IOptionsMonitor<CorsOptions> cors, IOptionsMonitor<RateLimiterOptions> rateLimiter)
    {
        _authorization = authorization;
        _cors = cors;
        _rateLimiter = rateLimiter;
    }

    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        if (config.AuthorizationPolicy is { Length: > 0 } authorization
            && !string.Equals(authorization, "default", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(authorization, "anonymous", StringComparison.OrdinalIgnoreCase)
            && _authorization.CurrentValue.GetPolicy(authorization) is null)
        {
            context.AddError("AuthorizationPolicy", $"refers to unknown authorization policy '{authorization}'. Add it with AddAuthorization(o => o.AddPolicy(...)), or use 'default' or 'anonymous'.");
        }

        if (config.CorsPolicy is { Length: > 0 } cors && _cors.CurrentValue.GetPolicy(cors) is null)
        {
            context.AddError("CorsPolicy", $"refers to unknown CORS policy '{cors}'. Add it with AddCors(o => o.AddPolicy(...)).");
        }

        if (config.RateLimiterPolicy is { Length: > 0 } limiter && RateLimiterPolicyNames(_rateLimiter.CurrentValue) is { } names && !names.Contains(limiter))
        {
            context.AddError("RateLimiterPolicy", $"refers to unknown rate limiter policy '{limiter}'. Add it with AddRateLimiter(o => o.AddPolicy(...)).");
        }
    }

    /// <summary>The registered rate limiter policy names, or null when they cannot be read.</summary>
    private static HashSet<string>? RateLimiterPolicyNames(RateLimiterOptions options)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var found = false;
        foreach (var mapName in (ReadOnlySpan<string>)["PolicyMap", "UnactivatedPolicyMap"])
        {
            if (typeof(RateLimiterOptions).GetProperty(mapName, System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(options) is System.Collections.IDictionary map)
            {
                found = true;
                foreach (var key in map.Keys)
                {
                    if (key is string name)
                    {
                        names.Add(name);
                    }
                }
            }
        }

        return found ? names : null;
    }
}
