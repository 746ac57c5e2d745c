using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Llm;

/// <summary>
/// Who a socket's requests are charged to: the verified user (<c>sub</c> → NameIdentifier → Name, as the proxy's own
/// limits key users), else a gateway API key the store validated, else the client IP. A presented key that the store does
/// not know is refused, so inventing keys never buys a fresh budget.
/// </summary>
internal sealed class LlmClientIdentity
{
    private LlmClientIdentity(string budgetKey, LlmApiKey? apiKey, string? presentedKey)
    {
        BudgetKey = budgetKey;
        ApiKey = apiKey;
        PresentedKey = presentedKey;
    }

    /// <summary>Gets the budget account and usage-record user: <c>user:…</c>, <c>key:…</c> or <c>ip:…</c>.</summary>
    public string BudgetKey { get; }

    /// <summary>Gets the validated API key the socket was opened with, if it was opened with one (and no user).</summary>
    public LlmApiKey? ApiKey { get; }

    /// <summary>Gets the presented key, re-checked for each request so that revocation reaches open sockets.</summary>
    public string? PresentedKey { get; }

    /// <summary>Resolves the identity of a handshake; <see langword="null"/> when the client presented a key the store refused.</summary>
    public static async ValueTask<LlmClientIdentity?> ResolveAsync(HttpContext context, string apiKeyHeader, ILlmApiKeyStore store)
    {
        if (UserId(context.User) is { } user)
        {
            return new LlmClientIdentity("user:" + user, null, null);
        }

        if (!string.IsNullOrEmpty(apiKeyHeader) && context.Request.Headers[apiKeyHeader].ToString() is { Length: > 0 } presented)
        {
            var key = await store.FindAsync(presented, context.RequestAborted);
            return key is null ? null : new LlmClientIdentity("key:" + key.Id, key, presented);
        }

        return new LlmClientIdentity("ip:" + ClientKeys.Ip(context), null, null);
    }

    /// <summary>The verified user id: <c>sub</c>, else NameIdentifier, else Name; <see langword="null"/> for anonymous clients.</summary>
    public static string? UserId(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name;
        return string.IsNullOrEmpty(id) ? null : id;
    }
}
