using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;
using WebSocketProxy.Security;

namespace WebSocketProxy.Routing;

/// <summary>Turns a validated route into an endpoint with the standard metadata (authorization, rate limiting, CORS).</summary>
internal static class ProxyEndpointFactory
{
    public static readonly RequestDelegate RequestDelegate = static context =>
    {
        var metadata = context.GetEndpoint()?.Metadata.GetMetadata<ProxyRouteMetadata>()
            ?? throw new InvalidOperationException("The WebSocketProxy endpoint has lost its route metadata.");
        var handler = context.RequestServices.GetRequiredService<ProxyRequestHandler>();
        return handler.HandleAsync(context, metadata.Route, metadata.InlineCluster);
    };

    public static RouteEndpointBuilder CreateBuilder(RouteModel route, ClusterModel? inlineCluster)
    {
        var builder = new RouteEndpointBuilder(RequestDelegate, route.Pattern, route.Config.Order)
        {
            DisplayName = $"WebSocketProxy route {route.Id}",
        };
        builder.Metadata.Add(new ProxyRouteMetadata(route, inlineCluster));
        AddStandardMetadata(builder.Metadata, route);
        return builder;
    }

    /// <summary>Adds the route's security policy (read by <see cref="WebSocketAccessToken"/>), its match conditions and the ASP.NET Core metadata its configuration names.</summary>
    public static void AddStandardMetadata(IList<object> metadata, RouteModel route)
    {
        if (route.Features.Get<RouteSecurityPolicy>() is { } security)
        {
            metadata.Add(security);
        }

        if (route.Features.Get<RouteMatchPolicy>() is { } match)
        {
            metadata.Add(match);
            if (match.Hosts.Length > 0)
            {
                metadata.Add(new HostAttribute(match.Hosts)); // ASP.NET Core's host matcher policy, as YARP uses it
            }
        }

        var config = route.Config;
        if (!string.IsNullOrEmpty(config.AuthorizationPolicy))
        {
            if (string.Equals(config.AuthorizationPolicy, "anonymous", StringComparison.OrdinalIgnoreCase))
            {
                metadata.Add(new AllowAnonymousAttribute());
            }
            else if (string.Equals(config.AuthorizationPolicy, "default", StringComparison.OrdinalIgnoreCase))
            {
                metadata.Add(new AuthorizeAttribute());
            }
            else
            {
                metadata.Add(new AuthorizeAttribute(config.AuthorizationPolicy));
            }
        }

        if (!string.IsNullOrEmpty(config.RateLimiterPolicy))
        {
            metadata.Add(new EnableRateLimitingAttribute(config.RateLimiterPolicy));
        }

        if (!string.IsNullOrEmpty(config.CorsPolicy))
        {
            metadata.Add(new EnableCorsAttribute(config.CorsPolicy));
        }
    }
}
