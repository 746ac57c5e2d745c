using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Admission;
using WebSocketProxy.Backends;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// The endpoint behind every proxy route: checks the request, connects the backend first, accepts the
/// client with the backend's subprotocol, then runs the session. A client never sees 101 without a backend.
/// </summary>
internal sealed partial class ProxyRequestHandler
{
    private readonly IProxyConfigSource _config;
    private readonly BackendSelector _selector;
    private readonly SessionRegistry _sessions;
    private readonly HandshakeGate _gate;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProxyRequestHandler> _logger;
    private readonly ILogger<ProxySession> _sessionLogger;
    private readonly BackendHttpForwarder _httpForwarder;

    public ProxyRequestHandler(
        IProxyConfigSource config,
        BackendSelector selector,
        SessionRegistry sessions,
        HandshakeGate gate,
        ProxyMetrics metrics,
        TimeProvider timeProvider,
        ILogger<ProxyRequestHandler> logger,
        ILogger<ProxySession> sessionLogger,
        BackendHttpForwarder httpForwarder)
    {
        _httpForwarder = httpForwarder;
        _config = config;
        _selector = selector;
        _sessions = sessions;
        _gate = gate;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _sessionLogger = sessionLogger;
    }

    public async Task HandleAsync(HttpContext context, RouteModel route, ClusterModel? inlineCluster)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            if (route.Config.ForwardHttp == true && !IsUpgradeAttempt(context))
            {
                await ForwardHttpAsync(context, route, inlineCluster); // ProxyRequestHandler.Http.cs
                return;
            }

            await RejectNonWebSocketAsync(context, route);
            return;
        }

        using var handshake = _metrics.HandshakeStarted(route.Id); // ended when the session starts or the upgrade is refused

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

        var snapshot = _config.Current;
        var cluster = inlineCluster ?? snapshot.Clusters.GetValueOrDefault(route.ClusterId);
        if (cluster is null)
        {
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, RejectionReasons.NoCluster, $"Route '{route.Id}' has no cluster '{route.ClusterId}'.");
            return;
        }

        using var activity = ProxyActivitySource.StartConnection(context, route.Id, cluster.Id);

        // Admission → backend selection and connect → accept → session: each stage hands the next what it decided.
        using var admission = await _gate.AdmitAsync(context, route.Features.Require<AdmissionPolicy>(), context.RequestAborted);
        if (admission.Rejection is { } rejection)
        {
            if (rejection.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await RejectAsync(context, route, rejection.StatusCode, rejection.Reason, rejection.Message);
            return;
        }

        var connection = new ProxyConnectionContext(context, route, cluster);
        var selection = await _selector.ConnectAsync(connection, admission.IdentityHeaders);
        if (selection.Socket is not { } backendSocket)
        {
            await RejectSelectionAsync(context, route, selection);
            return;
        }

        var backend = selection.Backend!; // set with the socket
        if (_sessions.IsDraining)
        {
            // The drain began while the backend handshake was in flight: never answer 101 to a gateway that is stopping.
            backend.ReleaseSlot();
            await new SessionLeg(backendSocket, "backend").TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "Proxy shutting down", snapshot.Options.CloseTimeout, _timeProvider);
            backendSocket.Dispose();
            context.Response.Headers.RetryAfter = "5";
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, RejectionReasons.ShuttingDown, "The gateway is shutting down.");
            return;
        }

        connection.Backend = backend;
        var capture = context.Features.Get<IHttpUpgradeFeature>() as UpgradeStreamCapture;
        capture?.SetLimits(route.MaxFramesPerMessage, route.MaxControlFramesPerSecond);
        WebSocket clientSocket;
        try
        {
            clientSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = SubprotocolMapping.ToClient(route, backendSocket.SubProtocol, context.WebSockets.WebSocketRequestedProtocols),
                KeepAliveInterval = route.KeepAliveInterval,
                KeepAliveTimeout = route.KeepAliveTimeout,
                DangerousEnableCompression = route.AllowCompression,
            });
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or WebSocketException)
        {
            Log.ClientAcceptFailed(_logger, context.TraceIdentifier, ex);
            backend.ReleaseSlot();
            await new SessionLeg(backendSocket, "backend").TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "Client went away", snapshot.Options.CloseTimeout, _timeProvider);
            backendSocket.Dispose();
            return;
        }

        var options = new SessionOptions
        {
            Pipeline = (route.Features.Get<MessagePipeline>() ?? MessagePipeline.Empty).ForSubprotocol(clientSocket.SubProtocol),
            MessageLimits = admission.MessageLimits,
            CloseAt = admission.CloseAt,
            CloseTimeout = snapshot.Options.CloseTimeout,
            ReceiveBufferSize = snapshot.Options.ReceiveBufferSize,
            CoalesceWrites = snapshot.Options.CoalesceWrites,
            ClientInspector = capture?.Inspector,
            ClientRelay = ClientNegotiatedDeflate(context) ? null : capture?.Relay,
            BackendRelay = selection.Relay,
        };
        var session = new ProxySession(connection, options, clientSocket, capture?.Stream, backendSocket, _metrics, _sessionLogger, _timeProvider);
        var started = _timeProvider.GetTimestamp();
        backend.OnSessionStarted();
        var sessionMetrics = _metrics.SessionStarted(route.Id, cluster.Id);
        handshake?.Dispose();
        Log.SessionStarted(_logger, context.TraceIdentifier, route.Id, backend.Id, backendSocket.SubProtocol, session.RelaysFrames ? "frame relay" : "message path");
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions.Add(session, completion.Task);
        if (_sessions.IsDraining)
        {
            session.CloseClientFirst(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"); // the drain may not have seen it yet; its next round waits for it
        }

        try
        {
            await session.RunAsync();
        }
        finally
        {
            _sessions.Remove(session);
            backend.OnSessionEnded();
            var duration = _timeProvider.GetElapsedTime(started);
            var summary = session.GetSnapshot();
            _metrics.SessionEnded(sessionMetrics, summary, duration);
            ProxyActivitySource.SessionEnded(activity, summary);
            LogSessionEnded(summary, duration);
            completion.TrySetResult();
        }
    }

    /// <summary>The one Information line per session: route, backend, duration, both legs' close statuses, who closed first, traffic each way.</summary>
    private void LogSessionEnded(SessionSnapshot session, TimeSpan duration)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            Log.SessionEnded(
                _logger,
                session.ConnectionId,
                session.RouteId,
                session.BackendId,
                Math.Round(duration.TotalMilliseconds, 1),
                session.CloseInitiator,
                session.ClientCloseStatus,
                session.BackendCloseStatus,
                session.ClientToBackend.Messages,
                session.ClientToBackend.Bytes,
                session.BackendToClient.Messages,
                session.BackendToClient.Bytes);
        }
    }

    /// <summary>Answers a client whose backend could not be connected (see <see cref="BackendSelector"/>).</summary>
    private Task RejectSelectionAsync(HttpContext context, RouteModel route, BackendSelection selection)
    {
        if (selection.ErrorType is null)
        {
            return Task.CompletedTask; // the client went away during the backend handshake
        }

        if (selection.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (selection.ResponseHeaders is not null)
        {
            // Only a documented safe set (plus the route's list) of the backend's refusal headers reaches the client:
            // never its cookies or internal debug headers.
            var passThrough = route.HandshakePolicy().PassThroughResponseHeaders;
            foreach (var (name, values) in selection.ResponseHeaders)
            {
                if (passThrough.Contains(name) && !name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
        }

        return RejectAsync(context, route, selection.StatusCode, selection.ErrorType, selection.Message!);
    }

    /// <summary>Whether the client's upgrade answer agreed on permessage-deflate: its compressed frames cannot be relayed as they are.</summary>
    private static bool ClientNegotiatedDeflate(HttpContext context)
        => context.Response.Headers.SecWebSocketExtensions.ToString().Contains("permessage-deflate", StringComparison.OrdinalIgnoreCase);

    private Task RejectNonWebSocketAsync(HttpContext context, RouteModel route)
    {
        var headers = context.Request.Headers;
        var isUpgrade = headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);
        if (isUpgrade && headers.SecWebSocketVersion.ToString() != "13")
        {
            context.Response.Headers.SecWebSocketVersion = "13";
            return RejectAsync(context, route, StatusCodes.Status426UpgradeRequired, RejectionReasons.BadVersion, "Unsupported WebSocket version: this endpoint speaks version 13 only.");
        }

        return RejectAsync(context, route, StatusCodes.Status400BadRequest, RejectionReasons.NotWebSocket, "This endpoint accepts WebSocket connections only: send a WebSocket upgrade request.");
    }

    private Task RejectAsync(HttpContext context, RouteModel route, int statusCode, string errorType, string message)
    {
        _metrics.Rejected(route.Id, statusCode, errorType);
        ProxyActivitySource.Rejected(statusCode, errorType);
        Log.Rejected(_logger, context.TraceIdentifier, route.Id, statusCode, errorType);
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = statusCode;
        if (statusCode == StatusCodes.Status426UpgradeRequired)
        {
            response.Headers.Connection = "Upgrade";
            response.Headers.Upgrade = "websocket";
        }

        // A one-line plain-text explanation; the backend's own body, if any, is not relayed.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.Rejected, EventName = nameof(EventIds.Rejected), Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route} rejected with {StatusCode} ({ErrorType}).")]
        public static partial void Rejected(ILogger logger, string connectionId, string route, int statusCode, string errorType);

        [LoggerMessage(EventId = EventIds.SessionStarted, EventName = nameof(EventIds.SessionStarted), Level = LogLevel.Debug, Message = "Session {ConnectionId} started on route {Route} with backend {Backend} (subprotocol '{SubProtocol}', forwarding by {Forwarding}).")]
        public static partial void SessionStarted(ILogger logger, string connectionId, string route, string backend, string? subProtocol, string forwarding);

        [LoggerMessage(EventId = EventIds.SessionEnded, EventName = nameof(EventIds.SessionEnded), Level = LogLevel.Information, Message = "Session {ConnectionId} on route {Route} with backend {Backend} ended after {DurationMs} ms, closed by {CloseInitiator}: client {ClientCloseStatus}, backend {BackendCloseStatus}; client to backend {ClientMessages} messages {ClientBytes} bytes, backend to client {BackendMessages} messages {BackendBytes} bytes.")]
        public static partial void SessionEnded(ILogger logger, string connectionId, string route, string? backend, double durationMs, string? closeInitiator, int? clientCloseStatus, int? backendCloseStatus, long clientMessages, long clientBytes, long backendMessages, long backendBytes);

        [LoggerMessage(EventId = EventIds.ClientAcceptFailed, EventName = nameof(EventIds.ClientAcceptFailed), Level = LogLevel.Debug, Message = "Request {ConnectionId}: the client went away before its upgrade completed.")]
        public static partial void ClientAcceptFailed(ILogger logger, string connectionId, Exception exception);
    }
}
