using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Security;

/// <summary>Options of the API-key authentication scheme (<c>AddApiKey</c>).</summary>
/// <remarks>A key is looked up in <see cref="Keys"/> (compared in constant time) and, failing that, passed to <see cref="ValidateKeyAsync"/>.</remarks>
public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Gets or sets the request header that carries the key.</summary>
    /// <value>Defaults to <c>X-Api-Key</c>. Browsers, which cannot set headers, use the route's <see cref="Configuration.RouteConfig.AccessToken"/> instead.</value>
    public string HeaderName { get; set; } = ApiKeyAuthenticationDefaults.HeaderName;

    /// <summary>Gets the accepted keys, each with the user id it authenticates (the <c>sub</c>, name identifier and name claims).</summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets a callback that validates keys not in <see cref="Keys"/>: return a principal, or <see langword="null"/> to reject.</summary>
    /// <value>None by default.</value>
    public Func<string, HttpContext, ValueTask<ClaimsPrincipal?>>? ValidateKeyAsync { get; set; }
}
