using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Admin;

/// <summary>
/// The live status feed: a WebSocket on which the gateway sends a <see cref="StatusReport"/> (JSON text) at once and
/// then every interval, until the client closes or the host stops (1001). Sessions carry no user or client address.
/// </summary>
internal sealed partial class StatusFeed
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly AdminOperations _admin;
    private readonly TimeProvider _timeProvider;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StatusFeed> _logger;
    private readonly TimeSpan _interval;
    private readonly int _maxSessions;

    public StatusFeed(AdminOperations admin, TimeProvider timeProvider, IHostApplicationLifetime lifetime, ILogger<StatusFeed> logger, TimeSpan interval, int maxSessions)
    {
        _admin = admin;
        _timeProvider = timeProvider;
        _lifetime = lifetime;
        _logger = logger;
        _interval = interval;
        _maxSessions = maxSessions;
    }

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("The status feed is a WebSocket: connect with a WebSocket client.\n", context.RequestAborted);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _lifetime.ApplicationStopping);
        var clientClosed = WaitForCloseAsync(socket, context.RequestAborted); // not the stopping token: a cancelled receive would abort the socket
        using var timer = new PeriodicTimer(_interval, _timeProvider);
        var reason = "client closed";
        try
        {
            do
            {
                var report = JsonSerializer.SerializeToUtf8Bytes(_admin.Report(_maxSessions, includePersonal: false), Json);
                await socket.SendAsync(report, WebSocketMessageType.Text, endOfMessage: true, stop.Token);
            }
            while (await WaitForTickOrCloseAsync(timer, clientClosed, stop.Token));

            await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, string.Empty);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            reason = _lifetime.ApplicationStopping.IsCancellationRequested ? "host stopping" : "client gone";
            if (socket.State == WebSocketState.Open)
            {
                await CloseQuietlyAsync(socket, WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
                try
                {
                    await clientClosed.WaitAsync(CloseWait, _timeProvider); // the client's answer completes the close handshake
                }
                catch (TimeoutException)
                {
                    // It did not answer: the socket is disposed below.
                }
            }
        }

        Log.Ended(_logger, context.TraceIdentifier, reason);
    }

    /// <summary>True at the next tick; false when the client closed first.</summary>
    private static async Task<bool> WaitForTickOrCloseAsync(PeriodicTimer timer, Task clientClosed, CancellationToken cancellationToken)
    {
        var tick = timer.WaitForNextTickAsync(cancellationToken).AsTask();
        return await Task.WhenAny(tick, clientClosed) == tick && await tick;
    }

    /// <summary>Reads (and ignores) what the client sends until its close frame arrives.</summary>
    private static async Task WaitForCloseAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while ((await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // Gone or stopping: the send loop ends too.
        }
    }

    private async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CloseWait, _timeProvider);
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            socket.Abort();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.StatusFeedEnded, EventName = nameof(EventIds.StatusFeedEnded), Level = LogLevel.Debug, Message = "Status feed {ConnectionId} ended ({Reason}).")]
        public static partial void Ended(ILogger logger, string connectionId, string reason);
    }
}
