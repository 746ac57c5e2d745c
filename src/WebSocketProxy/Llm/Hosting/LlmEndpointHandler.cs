using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Admission;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>Accepts an <c>llm.v1</c> WebSocket on an LLM route: the shared handshake gate, the client's identity, then its <see cref="LlmSession"/> in the session registry.</summary>
internal sealed partial class LlmEndpointHandler(
    LlmChatProcessor processor,
    HandshakeGate gate,
    LlmOptionsSource options,
    ILlmApiKeyStore keyStore,
    SessionRegistry sessions,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    public const string SubProtocol = "llm.v1";

    private static readonly ClusterModel NoCluster = new("llm", new ClusterConfig(), [], FeatureSet.Empty);

    private readonly ILogger _logger = loggerFactory.CreateLogger<LlmSession>();

    public async Task HandleAsync(HttpContext context, LlmRouteBuilder route)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "This endpoint accepts WebSocket requests only (subprotocol llm.v1).", null);
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (offered.Count > 0 && !offered.Contains(SubProtocol, StringComparer.Ordinal))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Unsupported subprotocol: this endpoint speaks llm.v1.", null);
            return;
        }

        if (sessions.IsDraining)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "The server is shutting down.", null);
            return;
        }

        var llm = options.Current;
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
            await RefuseAsync(context, rejection.StatusCode, rejection.Message, rejection.RetryAfterSeconds);
            return;
        }

        var identity = await LlmClientIdentity.ResolveAsync(context, llm.Budgets.ApiKeyHeader, keyStore);
        if (identity is null)
        {
            Log.ApiKeyRejected(_logger, route.Pattern);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "The API key is not valid.", null);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = offered.Count > 0 ? SubProtocol : null });
        var connection = new ProxyConnectionContext(context, route.ConnectionRoute, NoCluster);
        var session = new LlmSession(connection, socket, processor, new LlmSessionSettings(llm, routeOptions, route.Pattern, identity, keyStore), _logger, time);
        var running = session.RunAsync(context.RequestAborted);
        sessions.Add(session, running);
        try
        {
            await running;
        }
        finally
        {
            sessions.Remove(session);
        }
    }

    private static async Task RefuseAsync(HttpContext context, int status, string message, int? retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    /// <summary>The model route an LLM socket's connection context carries (for drains and operators).</summary>
    internal static RouteModel CreateRouteModel(string pattern)
        => new("llm:" + pattern, new RouteConfig { Path = pattern }, RoutePatternFactory.Parse(pattern), FeatureSet.Empty);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmApiKeyRejected, EventName = nameof(EventIds.LlmApiKeyRejected), Level = LogLevel.Information, Message = "LLM handshake on {Route} refused: the API key is unknown or revoked.")]
        public static partial void ApiKeyRejected(ILogger logger, string route);
    }
}
