using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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

/// <summary>A backend that counts the messages it receives (and optionally echoes them), and records its close.</summary>
public sealed class CountingBackend
{
    public int Messages;

    public ConcurrentQueue<string> Texts { get; } = new();

    public static Func<TestBackend, Microsoft.AspNetCore.Http.HttpContext, Task> Create(CountingBackend counter, bool echo) => BackendHandlers.Accept(async (backend, socket, _) =>
    {
        try
        {
            while (true)
            {
                var received = await socket.ReceiveMessageAsync(CancellationToken.None);
                if (received.Type == WebSocketMessageType.Close)
                {
                    backend.ClosesReceived.Enqueue((received.CloseStatus, received.CloseDescription));
                    backend.FirstClose.TrySetResult((received.CloseStatus, received.CloseDescription));
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(received.CloseStatus ?? WebSocketCloseStatus.Empty, received.CloseDescription, CancellationToken.None);
                    }

                    return;
                }

                Interlocked.Increment(ref counter.Messages);
                if (received.Type == WebSocketMessageType.Text)
                {
                    counter.Texts.Enqueue(received.Text);
                }

                if (echo)
                {
                    await socket.SendAsync(received.Data, received.Type, true, CancellationToken.None);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            backend.FirstClose.TrySetResult(null);
        }
    });
}

/// <summary>Raw TCP helpers for hostile handshakes.</summary>
public static class RawHttp
{
    public static string Upgrade(int port, string path, params string[] extraHeaders)
    {
        var builder = new StringBuilder();
        builder.Append($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        foreach (var header in extraHeaders)
        {
            builder.Append(header).Append("\r\n");
        }

        return builder.Append("\r\n").ToString();
    }

    /// <summary>Reads until the peer closes the connection or <paramref name="cancellationToken"/> fires; returns what arrived and whether the peer closed.</summary>
    public static async Task<(string Text, bool Closed)> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return (text.ToString(), true);
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            return (text.ToString(), true);
        }
        catch (OperationCanceledException)
        {
            return (text.ToString(), false);
        }
    }
}
