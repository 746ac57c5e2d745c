using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Admission;
using WebSocketProxy.Backends;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;
using Yarp.ReverseProxy.Forwarder;

namespace WebSocketProxy.Forwarding;

/// <content>
/// The HTTP half of a real-time route (<c>ForwardHttp</c>): SignalR negotiate and long polling, Socket.IO polling, server-sent
/// events. The same checks as an upgrade up to the backend, which YARP's forwarder then serves (<see cref="BackendHttpForwarder"/>).
/// </content>
internal sealed partial class ProxyRequestHandler
{
    /// <summary>Whether the request asks for a WebSocket upgrade the server could not accept (a bad version): answered 426, never forwarded.</summary>
    private static bool IsUpgradeAttempt(HttpContext context)
        => context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);

    private async Task ForwardHttpAsync(HttpContext context, RouteModel route, ClusterModel? inlineCluster)
    {
        if (_sessions.IsDraining)
        {
            context.Response.Headers.RetryAfter = "5";
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, RejectionReasons.ShuttingDown, "The gateway is shutting down.");
            return;
        }

        if (!BackendUri.IsSafePath(context, route))
        {
            await RejectAsync(context, route, StatusCodes.Status400BadRequest, RejectionReasons.InvalidPath, "The request path contains an encoded dot segment or separator and is not forwarded.");
            return;
        }

        var cluster = inlineCluster ?? _config.Current.Clusters.GetValueOrDefault(route.ClusterId);
        if (cluster is null)
        {
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, RejectionReasons.NoCluster, $"Route '{route.Id}' has no cluster '{route.ClusterId}'.");
            return;
        }

        using var admission = _gate.AdmitRequest(context, route.Features.Require<AdmissionPolicy>());
        if (admission.Rejection is { } rejection)
        {
            if (rejection.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await RejectAsync(context, route, rejection.StatusCode, rejection.Reason, rejection.Message);
            return;
        }

        var outcome = await _httpForwarder.ForwardAsync(new ProxyConnectionContext(context, route, cluster), admission.IdentityHeaders);
        if (outcome.Failure is { } failure)
        {
            await RejectSelectionAsync(context, route, failure);
            return;
        }

        if (outcome.Error != ForwarderError.None)
        {
            Log.HttpRequestFailed(_logger, context.TraceIdentifier, route.Id, outcome.Backend?.Id ?? "-", outcome.Error.ToString(), context.Response.StatusCode);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.HttpRequestFailed, EventName = nameof(EventIds.HttpRequestFailed), Level = LogLevel.Information, Message = "Forwarded HTTP request {ConnectionId} on route {Route} to backend {Backend} failed: {Error}; answered {StatusCode}.")]
        public static partial void HttpRequestFailed(ILogger logger, string connectionId, string route, string backend, string error, int statusCode);
    }
}
