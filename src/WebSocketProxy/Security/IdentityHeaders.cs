using System.Security.Claims;
using System.Text;

namespace WebSocketProxy.Security;

/// <summary>Adds a route's identity headers (claim values of the authenticated client) to the backend handshake.</summary>
/// <remarks>Client copies of these headers are never forwarded (the backend handshake skips them).</remarks>
internal static class IdentityHeaders
{
    /// <summary>Collects the route's identity headers (header, value) from the authenticated client's claims; empty for anonymous clients.</summary>
    public static KeyValuePair<string, string>[] Collect(ClaimsPrincipal user, RouteSecurityPolicy policy)
    {
        var headers = policy.IdentityHeaders;
        if (headers.Length == 0 || user.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        var values = new List<KeyValuePair<string, string>>(headers.Length);
        foreach (var (header, claimType) in headers)
        {
            if (Collect(user, claimType) is { } value)
            {
                values.Add(new(header, value));
            }
        }

        return [.. values];
    }

    /// <summary>Joins the values of every claim of the type (or its well-known alias) with commas; null when there is none.</summary>
    internal static string? Collect(ClaimsPrincipal user, string claimType)
    {
        var value = Join(user, claimType);
        if (value is null && Alias(claimType) is { } alias)
        {
            value = Join(user, alias);
        }

        return value;
    }

    private static string? Join(ClaimsPrincipal user, string claimType)
    {
        StringBuilder? builder = null;
        string? single = null;
        foreach (var claim in user.FindAll(claimType))
        {
            var value = Sanitize(claim.Value);
            if (value.Length == 0)
            {
                continue;
            }

            if (single is null)
            {
                single = value;
                continue;
            }

            builder ??= new StringBuilder(single);
            builder.Append(',').Append(value);
        }

        return builder?.ToString() ?? single;
    }

    /// <summary>The claim type JWT bearer maps a short JWT claim name to (and back), when it does.</summary>
    private static string? Alias(string claimType) => claimType switch
    {
        "sub" => ClaimTypes.NameIdentifier,
        ClaimTypes.NameIdentifier => "sub",
        "role" or "roles" => ClaimTypes.Role,
        ClaimTypes.Role => "role",
        "name" => ClaimTypes.Name,
        "email" => ClaimTypes.Email,
        _ => null,
    };

    /// <summary>Keeps header values printable ASCII: other characters (control characters, commas inside a value, non-ASCII) are percent-encoded.</summary>
    internal static string Sanitize(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or ',')
            {
                return Uri.EscapeDataString(value);
            }
        }

        return value.Trim();
    }
}
