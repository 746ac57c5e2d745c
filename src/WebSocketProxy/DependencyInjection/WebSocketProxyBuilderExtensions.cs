using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Backends;
using WebSocketProxy.Messages;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers proxy extensions on an <see cref="IWebSocketProxyBuilder"/>.</summary>
public static class WebSocketProxyBuilderExtensions
{
    /// <summary>Registers a message transformer under a name that routes list in <c>Transformers</c>.</summary>
    /// <typeparam name="TTransformer">The transformer type; one singleton instance serves every connection.</typeparam>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="name">The name routes refer to.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddMessageTransformer<TTransformer>(this IWebSocketProxyBuilder builder, string name)
        where TTransformer : class, IMessageTransformer
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.TryAddKeyedSingleton<IMessageTransformer, TTransformer>(name);
        return builder;
    }

    /// <summary>Registers a backend resolver; clusters choose it by its <see cref="IBackendResolver.Name"/> in <c>Resolver</c>.</summary>
    /// <typeparam name="TResolver">The resolver type, a singleton.</typeparam>
    /// <param name="builder">The proxy builder.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddBackendResolver<TResolver>(this IWebSocketProxyBuilder builder)
        where TResolver : class, IBackendResolver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackendResolver, TResolver>());
        return builder;
    }

    /// <summary>Registers a load-balancing policy; clusters choose it by its <see cref="ILoadBalancingPolicy.Name"/> in <c>LoadBalancing</c>.</summary>
    /// <typeparam name="TPolicy">The policy type, a singleton.</typeparam>
    /// <param name="builder">The proxy builder.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddLoadBalancingPolicy<TPolicy>(this IWebSocketProxyBuilder builder)
        where TPolicy : class, ILoadBalancingPolicy
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, TPolicy>());
        return builder;
    }
}
