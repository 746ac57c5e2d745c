using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebSocketProxy.Backends;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Opt-in backend features: the service-discovery resolver and the backends health check.</summary>
public static class WebSocketProxyBackendsBuilderExtensions
{
    /// <summary>
    /// Registers the <c>ServiceDiscovery</c> backend resolver (Microsoft.Extensions.ServiceDiscovery, with its
    /// configuration and pass-through providers). Add more providers, such as DNS SRV, with their own <c>Add…</c> calls.
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddServiceDiscoveryBackendResolver(this IWebSocketProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddServiceDiscovery();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IBackendResolver, ServiceDiscoveryBackendResolver>());
        return builder;
    }

    /// <summary>Adds a health check that is healthy while the gateway is not draining for shutdown and every cluster has at least one backend taking new connections (for a readiness probe).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The health check name.</param>
    /// <param name="failureStatus">The status reported when a cluster has no healthy backend; <see langword="null"/> means <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter health checks by, e.g. <c>ready</c>.</param>
    /// <returns>The health checks builder.</returns>
    public static IHealthChecksBuilder AddWebSocketProxyBackendAvailability(this IHealthChecksBuilder builder, string name = "websocket-proxy-backends", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.Add(new HealthCheckRegistration(name, static sp => sp.GetRequiredService<BackendsHealthCheck>(), failureStatus, tags));
    }
}
