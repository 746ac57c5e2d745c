using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// The OpenAI Realtime route: the same <see cref="LlmSocketGate"/> (drain, handshake gate, identity) as chat sockets, a model from the route's allow-list,
/// a budget check, then a WebSocket to the provider's <c>/realtime?model=…</c> with the server-held key; the client never
/// needs (and may not send) a provider key.
/// </summary>
internal sealed partial class LlmRealtimeHandler(
    LlmSocketGate gate,
    ILlmBudgetStore ledger,
    LlmUsageRecorder usage,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    /// <summary>The subprotocol browsers offer to OpenAI's Realtime API; accepted when offered.</summary>
    public const string SubProtocol = "realtime";

    private static readonly ClusterModel NoCluster = new("llm-realtime", new ClusterConfig(), [], FeatureSet.Empty);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger = loggerFactory.CreateLogger<LlmRealtimeHandler>();

    public async Task HandleAsync(HttpContext context, LlmRouteBuilder route)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status400BadRequest, "This endpoint accepts WebSocket requests only.", null);
            return;
        }

        using var admitted = await gate.AdmitAsync(context, route);
        if (admitted is null)
        {
            return;
        }

        var (llm, routeOptions, identity) = (admitted.Options, admitted.Route, admitted.Identity);
        var requested = context.Request.Query["model"].ToString() is { Length: > 0 and <= LlmClientRequest.MaxModelIdLength } m ? m.Trim() : routeOptions.DefaultModel;
        if (requested is null)
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status400BadRequest, "Name a model with ?model=… (the route has no default model).", null);
            return;
        }

        var model = LlmModelNames.Normalise(llm, routeOptions, [requested])[0];
        if ((routeOptions.AllowedModels.Count > 0 && !routeOptions.AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase))
            || (identity.ApiKey is { AllowedModels.Count: > 0 } key && !key.AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase)))
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status403Forbidden, "The model is not allowed on this route.", null);
            return;
        }

        var target = LlmTarget.Resolve(llm, routeOptions, model).FirstOrDefault(t => t.Provider.Type is LlmAdapterNames.OpenAIChat or LlmAdapterNames.OpenAIResponses);
        if (target is null)
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status400BadRequest, "No OpenAI provider on this route serves the model.", null);
            return;
        }

        var budgets = identity.ApiKey?.Budgets ?? llm.Budgets;
        var check = await ledger.ReserveAsync(identity.BudgetKey, budgets, 1, 0, context.RequestAborted);
        if (check.Reservation is not { } reservation)
        {
            await LlmSocketGate.RefuseAsync(context, StatusCodes.Status429TooManyRequests, "The budget is exhausted.", check.RetryAfter is { } wait ? (int)Math.Ceiling(wait.TotalSeconds) : null);
            return;
        }

        reservation.Reconcile(0, 0, time.GetUtcNow());
        var upstream = await ConnectUpstreamAsync(context, target, context.RequestAborted);
        if (upstream.Socket is not { } provider)
        {
            await LlmSocketGate.RefuseAsync(context, upstream.Status, "The model provider refused the realtime session.", null);
            return;
        }

        using (provider)
        {
            var offered = context.WebSockets.WebSocketRequestedProtocols;
            using var client = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = offered.Contains(SubProtocol) ? SubProtocol : null });
            var connection = new ProxyConnectionContext(context, route.ConnectionRoute, NoCluster);
            var settings = new LlmRealtimeSession.Settings(llm, routeOptions, route.Pattern, identity.BudgetKey, budgets, target, llm.MaxMessageBytes);
            var session = new LlmRealtimeSession(connection, client, provider, settings, ledger, usage, time, _logger);
            await gate.RunAsync(session, session.RunAsync);
        }
    }

    /// <summary>The provider's realtime endpoint: its base URL with ws(s) and <c>/realtime?model=…</c>.</summary>
    internal static Uri RealtimeUri(LlmProviderConfig provider, string model)
    {
        var baseUrl = (string.IsNullOrEmpty(provider.BaseUrl) ? "https://api.openai.com/v1" : provider.BaseUrl).TrimEnd('/');
        var builder = new UriBuilder(baseUrl + "/realtime") { Query = "model=" + Uri.EscapeDataString(model) };
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    private async Task<(ClientWebSocket? Socket, int Status)> ConnectUpstreamAsync(HttpContext context, LlmTarget target, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (!string.IsNullOrEmpty(target.Provider.ApiKey))
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + target.Provider.ApiKey);
        }

        // The beta protocol, if the client asked for it the way browsers do; its API-key subprotocol is never forwarded.
        if (context.WebSockets.WebSocketRequestedProtocols.Contains("openai-beta.realtime-v1"))
        {
            socket.Options.SetRequestHeader("OpenAI-Beta", "realtime=v1");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(RealtimeUri(target.Provider, target.Model), timeout.Token);
            return (socket, StatusCodes.Status101SwitchingProtocols);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            var status = (int)socket.HttpStatusCode;
            Log.UpstreamRefused(_logger, target.ProviderName, status);
            socket.Dispose();
            return (null, status == StatusCodes.Status429TooManyRequests ? status : StatusCodes.Status502BadGateway);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmRealtimeUpstreamRefused, EventName = nameof(EventIds.LlmRealtimeUpstreamRefused), Level = LogLevel.Warning, Message = "LLM provider {Provider} refused a realtime session: status {Status}.")]
        public static partial void UpstreamRefused(ILogger logger, string provider, int status);
    }
}
