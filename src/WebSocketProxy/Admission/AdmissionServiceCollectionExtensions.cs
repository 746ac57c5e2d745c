using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Admission;

/// <summary>Registers the handshake gate, the limiters behind it and its route validator (called by <c>AddWebSocketProxy</c>).</summary>
internal static class AdmissionServiceCollectionExtensions
{
    public static IServiceCollection AddWebSocketProxyAdmission(this IServiceCollection services)
    {
        services.TryAddSingleton<ConnectionConcurrencyLimiter>();
        services.TryAddSingleton<IConcurrentSessionLimiter>(static sp => sp.GetRequiredService<ConnectionConcurrencyLimiter>());
        services.TryAddSingleton<MessageRateLimiters>();
        services.TryAddSingleton<HandshakeGate>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, AdmissionRouteValidator>());
        return services;
    }
}
