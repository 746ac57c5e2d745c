using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Security;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// The endpoint behind every proxy route: checks the request, connects the backend first, accepts the
/// client with the backend's subprotocol, then runs the session. A client never sees 101 without a backend.
/// </summary>
internal sealed partial class ProxyRequestHandler
{
    private static readonly HashSet<string> NotPassedThrough = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Upgrade", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Proxy-Connection", "Content-Length", "Date", "Server",
    };

    private readonly ProxyConfigManager _config;
    private readonly BackendSelector _selector;
    private readonly SessionRegistry _sessions;
    private readonly HandshakeGate _gate;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProxyRequestHandler> _logger;
    private readonly ILogger<ProxySession> _sessionLogger;

    public ProxyRequestHandler(
        ProxyConfigManager config,
        BackendSelector selector,
        SessionRegistry sessions,
        HandshakeGate gate,
        ProxyMetrics metrics,
        TimeProvider timeProvider,
        ILogger<ProxyRequestHandler> logger,
        ILogger<ProxySession> sessionLogger)
    {
        _config = config;
        _selector = selector;
        _sessions = sessions;
        _gate = gate;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _sessionLogger = sessionLogger;
    }

    public async Task HandleAsync(HttpContext context, ProxyRoute route, ProxyCluster? inlineCluster)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectNonWebSocketAsync(context, route);
            return;
        }

        if (_sessions.IsDraining)
        {
            context.Response.Headers.RetryAfter = "5";
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, "shutting_down", "The gateway is shutting down.");
            return;
        }

        var snapshot = _config.Current;
        var cluster = inlineCluster ?? snapshot.Clusters.GetValueOrDefault(route.ClusterId);
        if (cluster is null)
        {
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, "no_cluster", $"Route '{route.Id}' has no cluster '{route.ClusterId}'.");
            return;
        }

        using var activity = ProxyActivitySource.Instance.StartActivity("websocket_proxy.connection", ActivityKind.Server);
        activity?.SetTag("websocket_proxy.route", route.Id);
        activity?.SetTag("websocket_proxy.cluster", cluster.Id);

        var connection = new ProxyConnectionContext(context, route, cluster);
        using var admission = _gate.Admit(connection);
        if (admission.Rejection is { } rejection)
        {
            if (rejection.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await RejectAsync(context, route, rejection.StatusCode, rejection.ErrorType, rejection.Message);
            return;
        }

        var aborted = context.RequestAborted;

        IReadOnlyList<Backend> candidates;
        try
        {
            candidates = await cluster.Resolver.ResolveAsync(connection, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            Log.ResolverFailed(_logger, cluster.Resolver.Name, cluster.Id, ex);
            context.Response.Headers.RetryAfter = "5";
            await RejectAsync(context, route, StatusCodes.Status503ServiceUnavailable, "resolver_failed", $"Backend resolver '{cluster.Resolver.Name}' failed.");
            return;
        }

        var backendSocket = await ConnectBackendAsync(context, connection, candidates);
        if (backendSocket is null)
        {
            return;
        }

        var backend = connection.Backend!; // set by ConnectBackendAsync on success
        WebSocket clientSocket;
        try
        {
            clientSocket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = backendSocket.SubProtocol,
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

        var transport = (context.Features.Get<IHttpUpgradeFeature>() as UpgradeStreamCapture)?.Stream;
        var session = new ProxySession(connection, clientSocket, transport, backendSocket, snapshot.Options, _metrics, _sessionLogger, _timeProvider);
        var started = _timeProvider.GetTimestamp();
        backend.OnSessionStarted();
        _metrics.SessionStarted(route.Id, cluster.Id);
        Log.SessionStarted(_logger, context.TraceIdentifier, route.Id, backend.Id, backendSocket.SubProtocol);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sessions.Add(session, completion.Task);
        admission.Start(session);
        try
        {
            await session.RunAsync();
        }
        finally
        {
            _sessions.Remove(session);
            backend.OnSessionEnded();
            var duration = _timeProvider.GetElapsedTime(started);
            _metrics.SessionEnded(route.Id, cluster.Id, duration, session.ClientCloseStatus);
            activity?.SetTag("websocket_proxy.close_status", session.ClientCloseStatus is { } status ? (int)status : 1006);
            Log.SessionEnded(_logger, context.TraceIdentifier, route.Id, backend.Id, duration);
            completion.TrySetResult();
        }
    }

    /// <summary>Selects and connects a backend (see <see cref="BackendSelector"/>). On failure, answers the client and returns null.</summary>
    private async Task<ClientWebSocket?> ConnectBackendAsync(HttpContext context, ProxyConnectionContext connection, IReadOnlyList<Backend> candidates)
    {
        var selection = await _selector.ConnectAsync(context, connection, candidates);
        if (selection.Socket is not null)
        {
            connection.Backend = selection.Backend;
            return selection.Socket;
        }

        if (selection.ErrorType is null)
        {
            return null; // the client went away during the backend handshake
        }

        if (selection.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (selection.ResponseHeaders is not null)
        {
            foreach (var (name, values) in selection.ResponseHeaders)
            {
                if (!NotPassedThrough.Contains(name) && !name.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }
        }

        await RejectAsync(context, connection.RouteState, selection.StatusCode, selection.ErrorType, selection.Message!);
        return null;
    }

    private Task RejectNonWebSocketAsync(HttpContext context, ProxyRoute route)
    {
        var headers = context.Request.Headers;
        var isUpgrade = headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase);
        if (isUpgrade && headers.SecWebSocketVersion.ToString() != "13")
        {
            context.Response.Headers.SecWebSocketVersion = "13";
            return RejectAsync(context, route, StatusCodes.Status426UpgradeRequired, "bad_version", "Unsupported WebSocket version: this endpoint speaks version 13 only.");
        }

        return RejectAsync(context, route, StatusCodes.Status400BadRequest, "not_websocket", "This endpoint accepts WebSocket connections only: send a WebSocket upgrade request.");
    }

    private Task RejectAsync(HttpContext context, ProxyRoute route, int statusCode, string errorType, string message)
    {
        _metrics.Rejected(route.Id, statusCode, errorType);
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
        [LoggerMessage(EventId = 100, EventName = "Rejected", Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route} rejected with {StatusCode} ({ErrorType}).")]
        public static partial void Rejected(ILogger logger, string connectionId, string route, int statusCode, string errorType);

        [LoggerMessage(EventId = 102, EventName = "SessionStarted", Level = LogLevel.Debug, Message = "Session {ConnectionId} started on route {Route} with backend {Backend} (subprotocol '{SubProtocol}').")]
        public static partial void SessionStarted(ILogger logger, string connectionId, string route, string backend, string? subProtocol);

        [LoggerMessage(EventId = 103, EventName = "SessionEnded", Level = LogLevel.Debug, Message = "Session {ConnectionId} on route {Route} with backend {Backend} ended after {Duration}.")]
        public static partial void SessionEnded(ILogger logger, string connectionId, string route, string backend, TimeSpan duration);

        [LoggerMessage(EventId = 104, EventName = "ClientAcceptFailed", Level = LogLevel.Debug, Message = "Request {ConnectionId}: the client went away before its upgrade completed.")]
        public static partial void ClientAcceptFailed(ILogger logger, string connectionId, Exception exception);

        [LoggerMessage(EventId = 200, EventName = "ResolverFailed", Level = LogLevel.Error, Message = "Backend resolver {Resolver} failed for cluster {Cluster}.")]
        public static partial void ResolverFailed(ILogger logger, string resolver, string cluster, Exception exception);
    }
}
