using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Registers the backends capability: policies, resolvers, selection, health, drain.</summary>
internal static class BackendsServiceCollectionExtensions
{
    public static IServiceCollection AddWebSocketProxyBackends(this IServiceCollection services)
    {
        services.TryAddSingleton<BackendHttpInvokers>();
        services.TryAddSingleton<BackendSelector>();
        services.TryAddSingleton<ResolvedBackends>();
        services.TryAddSingleton<BackendTransport>();
        services.TryAddSingleton<BackendConnector>();
        services.AddHttpForwarder(); // YARP's forwarder for the HTTP half of ForwardHttp routes
        services.TryAddSingleton<BackendAffinity>();
        services.TryAddSingleton<BackendHttpForwarder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, AffinityRouteValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IClusterConfigValidator, BackendsClusterValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, BackendHandshakeRouteValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, SubprotocolRouteValidator>());
        services.TryAddSingleton<BackendDrainer>();
        services.TryAddSingleton<IBackendDrainer>(static sp => sp.GetRequiredService<BackendDrainer>());
        services.TryAddSingleton<BackendsHealthCheck>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackendResolver, DnsBackendResolver>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, LeastConnectionsPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, RandomPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, ConsistentHashPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BackendHealthProbeService>());
        return services;
    }
}
