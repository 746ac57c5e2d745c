using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Security;

/// <summary>Finds when the authenticated client's token expires.</summary>
internal static class TokenExpiry
{
    public static DateTimeOffset? Find(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        if (context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.ExpiresUtc is { } expires)
        {
            return expires;
        }

        DateTimeOffset? earliest = null;
        foreach (var claim in context.User.FindAll("exp"))
        {
            if (long.TryParse(claim.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                && seconds is > 0 and < 253402300800)
            {
                var at = DateTimeOffset.FromUnixTimeSeconds(seconds);
                if (earliest is null || at < earliest)
                {
                    earliest = at;
                }
            }
        }

        return earliest;
    }
}
