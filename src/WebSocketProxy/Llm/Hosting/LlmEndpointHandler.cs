using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// Accepts an <c>llm.v1</c> WebSocket on an LLM route: its subprotocol, then <see cref="LlmSocketGate"/> (drain, the shared
/// handshake gate, identity) and its <see cref="LlmSession"/>, registered for the drain before it runs.
/// </summary>
internal sealed class LlmEndpointHandler(
    LlmChatProcessor processor,
    LlmSocketGate gate,
    ILlmApiKeyStore keyStore,
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
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status400BadRequest, "This endpoint accepts WebSocket requests only (subprotocol llm.v1).", null);
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        if (offered.Count > 0 && !offered.Contains(SubProtocol, StringComparer.Ordinal))
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status400BadRequest, "Unsupported subprotocol: this endpoint speaks llm.v1.", null);
            return;
        }

        using var admitted = await gate.AdmitAsync(context, route);
        if (admitted is null)
        {
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = offered.Count > 0 ? SubProtocol : null });
        var connection = new ProxyConnectionContext(context, route.ConnectionRoute, NoCluster);
        var settings = new LlmSessionSettings(admitted.Options, admitted.Route, route.Pattern, admitted.Identity, keyStore);
        var session = new LlmSession(connection, socket, processor, settings, _logger, time);
        await gate.RunAsync(session, () => session.RunAsync(context.RequestAborted));
    }

    /// <summary>The model route an LLM socket's connection context carries (for drains and operators).</summary>
    internal static RouteModel CreateRouteModel(string pattern)
        => new("llm:" + pattern, new RouteConfig { Path = pattern }, RoutePatternFactory.Parse(pattern), FeatureSet.Empty);
}
