using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WebSocketProxy.Security;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>JWT bearer and API-key authentication for security tests: tokens signed with a per-run key.</summary>
public static class TestAuth
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "websocket-proxy-tests";
    public const string AliceKey = "key-alice-0123456789";
    public const string BobKey = "key-bob-9876543210";

    public static readonly SymmetricSecurityKey SigningKey = new(RandomNumberGenerator.GetBytes(32));

    /// <summary>A signed JWT for <paramref name="subject"/>; <paramref name="key"/> other than <see cref="SigningKey"/> makes a forged token.</summary>
    public static string CreateToken(string subject, DateTime? expires = null, string[]? roles = null, SecurityKey? key = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (roles is not null)
        {
            claims["role"] = roles;
        }

        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            NotBefore = expiry.AddHours(-2),
            IssuedAt = expiry.AddHours(-2),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(key ?? SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>JWT bearer (default scheme) + API keys for alice and bob, the default policy accepting either, and an "admins" policy needing the admin role.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Issuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = SigningKey,
                    ClockSkew = TimeSpan.Zero,
                    RoleClaimType = "role",
                    NameClaimType = "sub",
                };
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        context.Token ??= WebSocketAccessToken.Read(context.HttpContext);
                        return Task.CompletedTask;
                    },
                };
            });
        services.AddWebSocketProxy().AddApiKeyAuthentication(options =>
        {
            options.Keys[AliceKey] = "alice";
            options.Keys[BobKey] = "bob";
        });
        services.AddAuthorization(options =>
        {
            options.DefaultPolicy = new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .Build();
            options.AddPolicy("admins", policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme, ApiKeyAuthenticationDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim("role", "admin"));
        });
    }

    public static Action<ClientWebSocketOptions> Bearer(string token) => o => o.SetRequestHeader("Authorization", "Bearer " + token);

    public static Action<ClientWebSocketOptions> ApiKey(string key) => o => o.SetRequestHeader(ApiKeyAuthenticationDefaults.HeaderName, key);
}
