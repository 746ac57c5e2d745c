using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.RateLimiting;

/// <summary>The partition keys of a client: its IP address, and its user (anonymous clients count as their IP address).</summary>
internal static class ClientKeys
{
    public static string Ip(HttpContext context)
    {
        var ip = context.Connection.RemoteIpAddress;
        return ip is null ? "unknown" : (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
    }

    public static string User(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            var id = user.FindFirst("sub")?.Value
                ?? user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value
                ?? user.Identity.Name;
            if (!string.IsNullOrEmpty(id))
            {
                return "user:" + id;
            }
        }

        return "ip:" + Ip(context);
    }
}
