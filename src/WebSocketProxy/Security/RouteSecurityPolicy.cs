using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Security;

/// <summary>A route's handshake security settings, parsed once per configuration: origins, browser tokens, identity headers, token expiry.</summary>
internal sealed class RouteSecurityPolicy
{
    public const string DefaultQueryParameter = "access_token";
    public const string DefaultSubProtocolPrefix = "access_token.";

    private readonly HashSet<string> _allowedOrigins;
    private readonly HashSet<string> _identityHeaderNames;

    private RouteSecurityPolicy(RouteConfig config)
    {
        _allowedOrigins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (config.AllowedOrigins is not null)
        {
            foreach (var origin in config.AllowedOrigins)
            {
                if (origin == "*")
                {
                    AllowAnyOrigin = true;
                }
                else if (TryNormalizeOrigin(origin, out var normalized))
                {
                    _allowedOrigins.Add(normalized);
                }
            }
        }

        HasOriginList = AllowAnyOrigin || _allowedOrigins.Count > 0;
        AllowMissingOrigin = config.AllowMissingOrigin ?? !HasOriginList;

        if (config.AccessToken is { } token)
        {
            QueryParameter = token.FromQuery == true ? (string.IsNullOrEmpty(token.QueryParameter) ? DefaultQueryParameter : token.QueryParameter) : null;
            SubProtocolPrefix = token.FromSubProtocol == true ? (string.IsNullOrEmpty(token.SubProtocolPrefix) ? DefaultSubProtocolPrefix : token.SubProtocolPrefix) : null;
        }

        _identityHeaderNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var identityHeaders = new List<KeyValuePair<string, string>>();
        if (config.IdentityHeaders is not null)
        {
            foreach (var (header, claim) in config.IdentityHeaders)
            {
                _identityHeaderNames.Add(header);
                identityHeaders.Add(new(header, claim));
            }
        }

        IdentityHeaders = [.. identityHeaders];
        CloseOnTokenExpiry = config.CloseOnTokenExpiry ?? false;
    }

    public bool AllowAnyOrigin { get; }

    public bool HasOriginList { get; }

    public bool AllowMissingOrigin { get; }

    /// <summary>Gets the query parameter that may carry a token, or null when the route does not accept one there.</summary>
    public string? QueryParameter { get; }

    /// <summary>Gets the subprotocol prefix that marks a token entry, or null when the route does not accept one there.</summary>
    public string? SubProtocolPrefix { get; }

    public KeyValuePair<string, string>[] IdentityHeaders { get; }

    public bool CloseOnTokenExpiry { get; }

    public static RouteSecurityPolicy Create(RouteConfig config) => new(config);

    public bool IsIdentityHeader(string name) => _identityHeaderNames.Count > 0 && _identityHeaderNames.Contains(name);

    /// <summary>Decides whether a handshake's <c>Origin</c> may open the route.</summary>
    public bool IsOriginAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count == 0 || string.IsNullOrEmpty(origin[0]))
        {
            return AllowMissingOrigin;
        }

        if (origin.Count > 1)
        {
            return false;
        }

        if (AllowAnyOrigin || !HasOriginList)
        {
            return true; // no list: any origin, as ASP.NET Core's WebSocketOptions.AllowedOrigins does (split deployments work)
        }

        // "null" (sandboxed pages, file://) or garbage never matches a listed origin.
        return TryNormalizeOrigin(origin[0], out var normalized, out _) && _allowedOrigins.Contains(normalized);
    }

    /// <summary>Validates the route's security settings (origins, browser tokens, identity headers), adding every error to <paramref name="errors"/>.</summary>
    public static void Validate(RouteConfig config, string key, List<string> errors)
    {
        if (config.AllowedOrigins is not null)
        {
            for (var i = 0; i < config.AllowedOrigins.Count; i++)
            {
                var origin = config.AllowedOrigins[i];
                if (origin != "*" && !TryNormalizeOrigin(origin, out _))
                {
                    errors.Add($"{key}:AllowedOrigins:{i} '{origin}' is not an origin: use scheme://host[:port] or *.");
                }
            }
        }

        if (config.AccessToken is { SubProtocolPrefix: { Length: > 0 } prefix } && prefix.AsSpan().IndexOfAny(" ,;\"") >= 0)
        {
            errors.Add($"{key}:AccessToken:SubProtocolPrefix '{prefix}' must be a subprotocol token (no spaces, commas, semicolons or quotes).");
        }

        if (config.IdentityHeaders is not null)
        {
            foreach (var (header, claim) in config.IdentityHeaders)
            {
                if (string.IsNullOrWhiteSpace(header) || header.AsSpan().IndexOfAny(" :\r\n\t") >= 0)
                {
                    errors.Add($"{key}:IdentityHeaders '{header}' is not a valid header name.");
                }
                else if (header.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(header, "Host", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(header, "Connection", StringComparison.OrdinalIgnoreCase)
                    || string.Equals(header, "Upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{key}:IdentityHeaders '{header}' is a handshake header and cannot carry identity.");
                }

                if (string.IsNullOrWhiteSpace(claim))
                {
                    errors.Add($"{key}:IdentityHeaders:{header} must name a claim type.");
                }
            }
        }
    }

    private static bool TryNormalizeOrigin(string? value, out string normalized) => TryNormalizeOrigin(value, out normalized, out _);

    private static bool TryNormalizeOrigin(string? value, out string normalized, out Uri uri)
    {
        normalized = string.Empty;
        if (!Uri.TryCreate(value, UriKind.Absolute, out uri!)
            || uri.Scheme is not ("http" or "https")
            || (uri.AbsolutePath.Length > 1)
            || uri.Query.Length > 0
            || uri.Fragment.Length > 0
            || uri.UserInfo.Length > 0)
        {
            return false;
        }

        normalized = uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}";
        return true;
    }
}
