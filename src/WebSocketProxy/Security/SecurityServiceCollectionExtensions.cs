using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Security;

/// <summary>Registers the handshake gate and the limiters behind it (called by <c>AddWebSocketProxy</c>).</summary>
internal static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddWebSocketProxySecurity(this IServiceCollection services)
    {
        services.TryAddSingleton<ConnectionConcurrencyLimiter>();
        services.TryAddSingleton<MessageRateLimiters>();
        services.TryAddSingleton<HandshakeGate>();
        return services;
    }
}
