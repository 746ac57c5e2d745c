using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.RateLimiting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ready-made handshake rate limiter policies for WebSocket proxy routes.</summary>
public static class HandshakeRateLimiterBuilderExtensions
{
    /// <summary>
    /// Registers the ASP.NET Core rate limiter with the policies <see cref="ConnectionRateLimitPolicies.PerIp"/> and
    /// <see cref="ConnectionRateLimitPolicies.PerUser"/> (429 with <c>Retry-After</c>). Call <c>app.UseRateLimiter()</c>, then name a
    /// policy in a route's <c>RateLimiterPolicy</c> or with <c>RequireRateLimiting</c>.
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="configure">Sets the limits; the defaults are 60 handshakes per IP and 30 per user per minute.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddHandshakeRateLimiterPolicies(this IWebSocketProxyBuilder builder, Action<ConnectionRateLimitOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var registered = false;
        foreach (var service in services)
        {
            registered |= service.ServiceType == typeof(Marker);
        }

        var options = services.AddOptions<ConnectionRateLimitOptions>()
            .Validate(o => o.PerIpPermitLimit > 0 && o.PerUserPermitLimit > 0, "WebSocketProxy connection limits: permit limits must be positive.")
            .Validate(o => o.PerIpWindow > TimeSpan.Zero && o.PerUserWindow > TimeSpan.Zero, "WebSocketProxy connection limits: windows must be positive.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (registered)
        {
            return builder;
        }

        services.AddSingleton<Marker>();
        services.TryAddSingleton<IHandshakeRateLimiterPartitions, LocalHandshakeRateLimiterPartitions>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy<string, PerIpConnectionRateLimiterPolicy>(ConnectionRateLimitPolicies.PerIp);
            limiter.AddPolicy<string, PerUserConnectionRateLimiterPolicy>(ConnectionRateLimitPolicies.PerUser);
        });
        return builder;
    }

    /// <summary>Marks the policies as registered, so a second call adds only configuration.</summary>
    private sealed class Marker;
}
