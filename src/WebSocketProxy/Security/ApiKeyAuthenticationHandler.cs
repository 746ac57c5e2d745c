using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Security;

/// <summary>Authenticates a request by an API key in a header (or, on routes that accept browser tokens, the query string or a subprotocol entry).</summary>
internal sealed partial class ApiKeyAuthenticationHandler : AuthenticationHandler<ApiKeyAuthenticationOptions>
{
    public ApiKeyAuthenticationHandler(IOptionsMonitor<ApiKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? key = null;
        if (Request.Headers.TryGetValue(Options.HeaderName, out var values))
        {
            if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
            {
                return AuthenticateResult.Fail("Exactly one API key is required.");
            }

            key = values[0];
        }

        key ??= WebSocketAccessToken.Read(Context);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }

        var principal = FindKey(key);
        if (principal is null && Options.ValidateKeyAsync is { } validate)
        {
            principal = await validate(key, Context);
        }

        if (principal is null)
        {
            Log.KeyRejected(Logger, Scheme.Name);
            return AuthenticateResult.Fail("Invalid API key.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = $"{Scheme.Name} header=\"{Options.HeaderName}\"";
        return Task.CompletedTask;
    }

    /// <summary>Compares the key with every configured key in constant time (hashes of equal length), so timing reveals nothing.</summary>
    private ClaimsPrincipal? FindKey(string key)
    {
        if (Options.Keys.Count == 0)
        {
            return null;
        }

        Span<byte> offered = stackalloc byte[32];
        Span<byte> known = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), offered);
        string? userId = null;
        foreach (var (candidate, user) in Options.Keys)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(candidate), known);
            if (CryptographicOperations.FixedTimeEquals(offered, known))
            {
                userId = user;
            }
        }

        if (userId is null)
        {
            return null;
        }

        var identity = new ClaimsIdentity(
            [new Claim("sub", userId), new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)],
            Scheme.Name);
        return new ClaimsPrincipal(identity);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.ApiKeyRejected, EventName = nameof(EventIds.ApiKeyRejected), Level = LogLevel.Information, Message = "Scheme {Scheme}: an invalid API key was presented.")]
        public static partial void KeyRejected(ILogger logger, string scheme);
    }
}
