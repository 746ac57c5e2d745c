using WebSocketProxy.Security;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the proxy's API-key authentication scheme (for devices and services that cannot hold a JWT; browsers may put the key in the query on routes that allow it).</summary>
public static class ApiKeyAuthenticationExtensions
{
    /// <summary>Adds the API-key authentication scheme under the name <see cref="ApiKeyAuthenticationDefaults.AuthenticationScheme"/>.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="configure">Sets the header and the keys.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddApiKeyAuthentication(this IWebSocketProxyBuilder builder, Action<ApiKeyAuthenticationOptions> configure)
        => builder.AddApiKeyAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the API-key authentication scheme under the given name.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configure">Sets the header and the keys.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddApiKeyAuthentication(this IWebSocketProxyBuilder builder, string authenticationScheme, Action<ApiKeyAuthenticationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddAuthentication().AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(authenticationScheme, configure);
        return builder;
    }
}
