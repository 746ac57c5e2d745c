using Microsoft.AspNetCore.Authentication;
using WebSocketProxy.Security;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the API-key authentication scheme.</summary>
public static class ApiKeyAuthenticationExtensions
{
    /// <summary>Adds the API-key scheme under the name <see cref="ApiKeyAuthenticationDefaults.AuthenticationScheme"/>.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="configure">Sets the header and the keys.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddApiKey(this AuthenticationBuilder builder, Action<ApiKeyAuthenticationOptions> configure)
        => builder.AddApiKey(ApiKeyAuthenticationDefaults.AuthenticationScheme, configure);

    /// <summary>Adds the API-key scheme under the given name.</summary>
    /// <param name="builder">The authentication builder.</param>
    /// <param name="authenticationScheme">The scheme name.</param>
    /// <param name="configure">Sets the header and the keys.</param>
    /// <returns>The authentication builder.</returns>
    public static AuthenticationBuilder AddApiKey(this AuthenticationBuilder builder, string authenticationScheme, Action<ApiKeyAuthenticationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(authenticationScheme);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(authenticationScheme, configure);
    }
}
