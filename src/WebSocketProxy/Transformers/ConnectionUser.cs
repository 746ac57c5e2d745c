using System.Security.Claims;

namespace WebSocketProxy.Transformers;

/// <summary>The user a built-in names in what it writes: the authenticated name, else the <c>sub</c> or name-identifier claim, else none.</summary>
internal static class ConnectionUser
{
    public static string? Of(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return null;
        }

        return identity.Name ?? principal.FindFirst("sub")?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
    }
}
