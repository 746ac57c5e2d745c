using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;
using WebSocketProxy.Management;
using WebSocketProxy.Model;
using WebSocketProxy.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps WebSocket proxy routes.</summary>
public static class WebSocketProxyEndpointRouteBuilderExtensions
{
    /// <summary>Maps every route under <c>WebSocketProxy:Routes</c>; routes added or changed by a configuration reload are served too.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <returns>A builder whose conventions (<c>RequireAuthorization</c>, <c>RequireCors</c>, <c>RequireRateLimiting</c>…) apply to every configured route.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy</c> was not called, or the configuration is invalid.</exception>
    public static IEndpointConventionBuilder MapWebSocketProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var config = GetConfigSource(endpoints);
        foreach (var source in endpoints.DataSources)
        {
            if (source is ProxyEndpointDataSource existing)
            {
                return existing;
            }
        }

        var dataSource = new ProxyEndpointDataSource(config);
        endpoints.DataSources.Add(dataSource);
        return dataSource;
    }

    /// <summary>Maps one route in code.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, e.g. <c>/chat/{**rest}</c>; a catch-all value is appended to the backend address.</param>
    /// <param name="configure">Chooses the backends and settings, e.g. <c>route => route.ToCluster("chat")</c>.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy</c> was not called, or the route is invalid.</exception>
    public static IEndpointConventionBuilder MapWebSocketProxy(this IEndpointRouteBuilder endpoints, string pattern, Action<ProxyRouteBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(configure);
        var config = GetConfigSource(endpoints);
        var builder = new ProxyRouteBuilder(pattern);
        configure(builder);

        var configBuilder = endpoints.ServiceProvider.GetRequiredService<ProxyConfigBuilder>();
        var errors = new List<string>();
        var key = $"MapWebSocketProxy(\"{pattern}\")";
        ClusterModel? inlineCluster = null;
        var route = builder.Route;
        if (builder.InlineCluster is { } clusterConfig)
        {
            var clusterId = "route:" + pattern;
            route = route with { Cluster = clusterId };
            inlineCluster = configBuilder.BuildCluster(clusterId, clusterConfig, key, previous: null, errors);
        }
        else if (string.IsNullOrEmpty(route.Cluster))
        {
            errors.Add($"{key} has no backends: call ToCluster or ToBackends.");
        }
        else if (!config.Current.Clusters.ContainsKey(route.Cluster))
        {
            errors.Add($"{key} refers to unknown cluster '{route.Cluster}'.");
        }

        var proxyRoute = configBuilder.BuildRoute(pattern, route, key, errors);
        if (errors.Count > 0 || proxyRoute is null)
        {
            throw new OptionsValidationException(key, typeof(RouteConfig), errors);
        }

        var conventions = endpoints.Map(proxyRoute.Pattern, ProxyEndpointFactory.RequestDelegate);
        conventions.Add(endpoint =>
        {
            endpoint.DisplayName = $"WebSocketProxy route {pattern}";
            endpoint.Metadata.Add(new ProxyRouteMetadata(proxyRoute, inlineCluster));
            ProxyEndpointFactory.AddStandardMetadata(endpoint.Metadata, proxyRoute);
        });
        return conventions;
    }

    private static IProxyConfigSource GetConfigSource(IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<WebSocketProxyMarker>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the WebSocketProxy services. Call 'builder.Services.AddWebSocketProxy(...)' before 'app.MapWebSocketProxy(...)'.");
        }

        return endpoints.ServiceProvider.GetRequiredService<IProxyConfigSource>();
    }
}
