using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Diagnostics;

/// <summary>
/// The proxy's activity source: one activity per proxied connection (<c>websocket_proxy.connection</c>) with a child
/// for each backend connect attempt (<c>websocket_proxy.backend.connect</c>), whose W3C context the backend handshake carries.
/// </summary>
internal static class ProxyActivitySource
{
    public const string ConnectionActivityName = "websocket_proxy.connection";
    public const string BackendConnectActivityName = "websocket_proxy.backend.connect";

    public static readonly ActivitySource Instance = new(WebSocketProxyDiagnostics.ActivitySourceName);

    /// <summary>
    /// Starts the session's activity: a child of the request's activity when ASP.NET Core created one, otherwise of the
    /// client's own <c>traceparent</c>/<c>tracestate</c>, so a trace crosses the gateway either way.
    /// </summary>
    public static Activity? StartConnection(HttpContext context, string route, string cluster)
    {
        if (!Instance.HasListeners())
        {
            return null;
        }

        Activity? activity;
        if (Activity.Current is null)
        {
            DistributedContextPropagator.Current.ExtractTraceIdAndState(context.Request.Headers, static (carrier, name, out value, out values) =>
            {
                values = null;
                value = carrier is IHeaderDictionary headers && headers.TryGetValue(name, out var found) && found.Count == 1 ? found[0] : null;
            }, out var traceParent, out var traceState);
            ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
            activity = Instance.StartActivity(ConnectionActivityName, ActivityKind.Server, parent);
        }
        else
        {
            activity = Instance.StartActivity(ConnectionActivityName, ActivityKind.Internal);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("websocket_proxy.route", route);
            activity.SetTag("websocket_proxy.cluster", cluster);
        }

        return activity;
    }

    /// <summary>Marks the current connection activity as refused before the upgrade.</summary>
    public static void Rejected(int statusCode, string errorType)
    {
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, Instance) && activity.OperationName == ConnectionActivityName)
        {
            activity.SetTag("http.response.status_code", statusCode);
            activity.SetTag("error.type", errorType);
            activity.SetStatus(ActivityStatusCode.Error, errorType);
        }
    }

    /// <summary>Puts what the session did on its activity: backend, close statuses of both legs, who closed first, traffic each way.</summary>
    public static void SessionEnded(Activity? activity, SessionSnapshot session)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag("websocket_proxy.backend", session.BackendId);
        activity.SetTag("websocket_proxy.close_status", session.ClientCloseStatus ?? 1006);
        activity.SetTag("websocket_proxy.client.close_status", session.ClientCloseStatus ?? 1006);
        activity.SetTag("websocket_proxy.backend.close_status", session.BackendCloseStatus ?? 1006);
        activity.SetTag("websocket_proxy.close_initiator", session.CloseInitiator);
        activity.SetTag("websocket_proxy.client_to_backend.messages", session.ClientToBackend.Messages);
        activity.SetTag("websocket_proxy.client_to_backend.bytes", session.ClientToBackend.Bytes);
        activity.SetTag("websocket_proxy.backend_to_client.messages", session.BackendToClient.Messages);
        activity.SetTag("websocket_proxy.backend_to_client.bytes", session.BackendToClient.Bytes);
        if (session.SubProtocol is { } subProtocol)
        {
            activity.SetTag("websocket_proxy.subprotocol", subProtocol);
        }
    }

    /// <summary>Starts the child activity of one backend connect attempt; it is current while the backend handshake is sent, so the backend gets its trace context.</summary>
    public static Activity? StartBackendConnect(string cluster, string backend)
    {
        if (!Instance.HasListeners())
        {
            return null;
        }

        var activity = Instance.StartActivity(BackendConnectActivityName, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("websocket_proxy.cluster", cluster);
            activity.SetTag("websocket_proxy.backend", backend);
        }

        return activity;
    }

    /// <summary>Records how a backend connect attempt ended.</summary>
    public static void BackendConnectEnded(Activity? activity, bool succeeded, string? errorType, int statusCode)
    {
        if (activity is null)
        {
            return;
        }

        if (succeeded)
        {
            activity.SetTag("websocket_proxy.outcome", "success");
            return;
        }

        activity.SetTag("websocket_proxy.outcome", errorType);
        activity.SetTag("error.type", errorType);
        activity.SetTag("http.response.status_code", statusCode);
        activity.SetStatus(ActivityStatusCode.Error, errorType);
    }
}
