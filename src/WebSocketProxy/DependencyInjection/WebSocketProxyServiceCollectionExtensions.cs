using WebSocketProxy.Admission;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Management;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.Routing;
using WebSocketProxy.Transformers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the WebSocket proxy.</summary>
public static class WebSocketProxyServiceCollectionExtensions
{
    /// <summary>Registers the proxy's services. Routes and clusters come from options configured elsewhere.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder to register extensions.</returns>
    public static IWebSocketProxyBuilder AddWebSocketProxy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WebSocketProxyOptions>();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebSocketProxyMarker>();
        services.TryAddSingleton<ProxyConfigBuilder>();
        services.TryAddSingleton<ProxyConfigManager>();
        services.TryAddSingleton<IProxyConfigSource>(static sp => sp.GetRequiredService<ProxyConfigManager>());
        services.TryAddSingleton<ProxyMetrics>();
        services.TryAddSingleton<SessionRegistry>();
        services.TryAddSingleton<LocalSessionDirectory>();
        services.TryAddSingleton<ISessionDirectory>(static sp => sp.GetRequiredService<LocalSessionDirectory>());
        services.TryAddSingleton<ProxyRequestHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, SessionRouteValidator>());
        services.AddWebSocketProxyMessages();
        services.AddWebSocketProxyTransformers();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, EndpointPolicyValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, RouteMatchValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, RouteMatchMatcherPolicy>());
        services.AddWebSocketProxyAdmission();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackendResolver, ConfigBackendResolver>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, PowerOfTwoChoicesPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, RoundRobinPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProxyLifetimeService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, WebSocketsStartupFilter>());
        services.AddWebSocketProxyBackends();
        return new WebSocketProxyBuilder(services);
    }

    /// <summary>Registers the proxy's services and configures its options in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures routes, clusters and global settings.</param>
    /// <returns>A builder to register extensions.</returns>
    public static IWebSocketProxyBuilder AddWebSocketProxy(this IServiceCollection services, Action<WebSocketProxyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddWebSocketProxy();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Registers the proxy's services and binds its options to a configuration section (usually <c>WebSocketProxy</c>), reloading with it. LLM mode is added with <c>AddLlm()</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>A builder to register extensions.</returns>
    public static IWebSocketProxyBuilder AddWebSocketProxy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddWebSocketProxy();
        services.Configure<WebSocketProxyOptions>(configuration);
        return builder;
    }
}
