namespace WebSocketProxy.Security;

/// <summary>Default values of the API-key authentication scheme.</summary>
public static class ApiKeyAuthenticationDefaults
{
    /// <summary>The default scheme name.</summary>
    public const string AuthenticationScheme = "ApiKey";

    /// <summary>The default request header that carries the key.</summary>
    public const string HeaderName = "X-Api-Key";
}
