using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.Admission;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Llm;

/// <summary>Accepts an <c>llm.v1</c> WebSocket on an LLM route and runs its <see cref="LlmSession"/>.</summary>
internal sealed class LlmEndpointHandler(
    LlmChatProcessor processor,
    HandshakeGate gate,
    IOptionsMonitor<LlmOptions> options,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory)
{
    public const string SubProtocol = "llm.v1";

    private readonly ILogger _logger = loggerFactory.CreateLogger<LlmSession>();

    public async Task HandleAsync(HttpContext context, LlmRouteBuilder route)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This endpoint accepts WebSocket requests only (subprotocol llm.v1).", context.RequestAborted);
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (offered.Count > 0 && !offered.Contains(SubProtocol, StringComparer.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Unsupported subprotocol: this endpoint speaks llm.v1.", context.RequestAborted);
            return;
        }

        var llm = options.CurrentValue;
        var routeOptions = route.Build(llm);

        // The same gate as proxy routes: Origin policy, browser-token removal, concurrent-socket limits.
        using var admission = await gate.AdmitAsync(context, AdmissionPolicy.Create("llm:" + route.Pattern, new RouteConfig
        {
            AllowedOrigins = routeOptions.AllowedOrigins,
            AllowMissingOrigin = routeOptions.AllowMissingOrigin,
            ConcurrentConnections = routeOptions.ConcurrentConnections,
        }), context.RequestAborted);
        if (admission.Rejection is { } rejection)
        {
            context.Response.StatusCode = rejection.StatusCode;
            if (rejection.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await context.Response.WriteAsync(rejection.Message + "\n", context.RequestAborted);
            return;
        }

        var user = BudgetKey(context, llm.Budgets.ApiKeyHeader);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = offered.Count > 0 ? SubProtocol : null });
        var session = new LlmSession(socket, processor, llm, routeOptions, route.Pattern, user, _logger);
        using var stopping = lifetime.ApplicationStopping.Register(static s => ((LlmSession)s!).Stop(), session);
        await session.RunAsync(context.RequestAborted);
    }

    /// <summary>The authenticated user's name, else a hash of the client's API key header, else the remote address.</summary>
    internal static string BudgetKey(HttpContext context, string apiKeyHeader)
    {
        if (context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            return "user:" + name;
        }

        if (!string.IsNullOrEmpty(apiKeyHeader) && context.Request.Headers[apiKeyHeader].ToString() is { Length: > 0 } key)
        {
            return "key:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        }

        return "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}
