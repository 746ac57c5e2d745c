using WebSocketProxy.Model;

namespace WebSocketProxy.Transformers;

/// <summary>The user a built-in names in what it writes: the authenticated name, else the <c>sub</c> or name-identifier claim, else none.</summary>
/// <remarks>
/// Worked out once per connection and kept in the handshake's <c>HttpContext.Items</c>: reading a principal's identity
/// allocates (it enumerates the identities through an interface), and the user does not change during a session.
/// </remarks>
internal static class ConnectionUser
{
    private static readonly object Key = new();
    private static readonly object Anonymous = new();

    public static string? Of(ProxyConnectionContext connection)
    {
        var items = connection.HttpContext.Items;
        if (items.TryGetValue(Key, out var cached))
        {
            return cached as string;
        }

        var user = Resolve(connection.HttpContext.User);
        items[Key] = user ?? Anonymous;
        return user;
    }

    private static string? Resolve(System.Security.Claims.ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true } identity)
        {
            return null;
        }

        return identity.Name ?? principal.FindFirst("sub")?.Value ?? principal.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
    }
}
