using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// A live proxied connection: two pumps (client→backend, backend→client), the idle timer, and the close
/// choreography that makes every end deliver a meaningful close code to both legs.
/// </summary>
internal sealed partial class ProxySession
{
    internal const WebSocketCloseStatus BadGateway = (WebSocketCloseStatus)1014;
    internal const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    private readonly SessionLeg _client;
    private readonly SessionLeg _backend;
    private readonly ProxyRoute _route;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _closeTimeout;
    private readonly int _bufferSize;
    private readonly CancellationTokenSource? _ended;
    private ITimer? _idleTimer;
    private long _lastActivity;
    private int _closing;

    private readonly Stream? _clientTransport;
    private readonly bool _coalesce;

    public ProxySession(
        ProxyConnectionContext connection,
        WebSocket client,
        Stream? clientTransport,
        WebSocket backend,
        WebSocketProxyOptions options,
        ProxyMetrics metrics,
        ILogger logger,
        TimeProvider timeProvider)
    {
        Connection = connection;
        _clientTransport = clientTransport;
        _coalesce = options.CoalesceWrites;
        _client = new SessionLeg(client, "client");
        _backend = new SessionLeg(backend, "backend");
        _route = connection.RouteState;
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider;
        _closeTimeout = options.CloseTimeout;
        _bufferSize = options.ReceiveBufferSize;
        _ended = _route.Transformers.Count > 0 || connection.MessageLimits is not null ? new CancellationTokenSource() : null; // only transformers and message limits observe it
    }

    public ProxyConnectionContext Connection { get; }

    /// <summary>Gets the close status the client leg ended with, once known.</summary>
    public WebSocketCloseStatus? ClientCloseStatus { get; private set; }

    /// <summary>Runs the session until both pumps have ended. Never throws.</summary>
    public async Task RunAsync()
    {
        _lastActivity = _timeProvider.GetTimestamp();
        if (_route.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleTimer = _timeProvider.CreateTimer(static state => ((ProxySession)state!).OnIdleTimer(), this, _route.IdleTimeout, Timeout.InfiniteTimeSpan);
        }

        try
        {
            var toBackend = PumpAsync(_client, _backend, MessageDirection.ClientToBackend);
            var toClient = PumpAsync(_backend, _client, MessageDirection.BackendToClient);
            var first = await Task.WhenAny(toBackend, toClient);
            var other = first == toBackend ? toClient : toBackend;
            try
            {
                await other.WaitAsync(_closeTimeout, _timeProvider);
            }
            catch (TimeoutException)
            {
                Log.CloseTimedOut(_logger, Connection.ConnectionId);
                Abort();
                await other;
            }
        }
        finally
        {
            if (_idleTimer is not null)
            {
                await _idleTimer.DisposeAsync();
            }

            ClientCloseStatus = _client.Socket.CloseStatus;
            if (_ended is not null)
            {
                await _ended.CancelAsync();
                _ended.Dispose();
            }
            _client.Socket.Dispose();
            _backend.Socket.Dispose();
        }
    }

    /// <summary>Closes both legs with the given statuses (drain, idle timeout, token expiry…). Safe to call from any thread, more than once.</summary>
    public void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _ = _client.TryCloseOutputAsync(clientStatus, clientReason, _closeTimeout, _timeProvider);
        _ = _backend.TryCloseOutputAsync(backendStatus, backendReason, _closeTimeout, _timeProvider);
    }

    /// <summary>Aborts both legs at once, without close frames.</summary>
    public void Abort()
    {
        Volatile.Write(ref _closing, 1);
        _client.Socket.Abort();
        _backend.Socket.Abort();
    }

    private void OnIdleTimer()
    {
        var idle = _timeProvider.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (idle >= _route.IdleTimeout)
        {
            Log.IdleTimeout(_logger, Connection.ConnectionId, _route.IdleTimeout);
            RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Idle timeout", WebSocketCloseStatus.EndpointUnavailable, "Idle timeout");
            return;
        }

        try
        {
            _idleTimer?.Change(_route.IdleTimeout - idle, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _timeProvider.GetTimestamp());

    private async Task PumpAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        PumpOutcome outcome;
        try
        {
            outcome = _route.Transformers.Count == 0 && Connection.MessageLimits?.SendsNotices != true
                ? await StreamAsync(source, destination, direction)
                : await AssembleAsync(source, destination, direction);
        }
        catch (Exception ex)
        {
            Log.PumpFailed(_logger, Connection.ConnectionId, direction, ex);
            outcome = PumpOutcome.Violation(WebSocketCloseStatus.InternalServerError, "Internal error");
        }

        if (direction == MessageDirection.BackendToClient && _clientTransport is CoalescingStream gathered && outcome.Kind != PumpOutcomeKind.DestinationFailed)
        {
            try
            {
                await gathered.FlushGatheredAsync();
            }
            catch (Exception ex) when (IsSocketFailure(ex))
            {
                outcome = PumpOutcome.DestinationFailed(ex);
            }
        }

        await FinishAsync(source, destination, direction, outcome);
    }

    /// <summary>The streaming path: frames are forwarded as they arrive, with their type and end-of-message flag; nothing is assembled.</summary>
    private async Task<PumpOutcome> StreamAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        var input = source.Socket;
        var output = destination.Socket;
        var maxMessageBytes = _route.MaxMessageBytesFor(direction);
        var directionTag = ProxyMetrics.DirectionTag(direction);
        var gather = _coalesce && direction == MessageDirection.BackendToClient ? _clientTransport as CoalescingStream : null;
        var limiter = Connection.MessageLimits?.For(direction);
        var midMessage = false;
        var dropping = false;
        byte[]? buffer = null;
        var betweenMessages = false;
        long messageBytes = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                var probing = buffer is null || betweenMessages;
                try
                {
                    ValueTask<ValueWebSocketReceiveResult> receive;
                    if (probing)
                    {
                        // Between messages a zero-byte receive tells whether more is ready. If it has to wait, the
                        // session is idle: it holds no buffer while waiting. If it completes at once, the buffer is kept.
                        receive = input.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                        if (buffer is not null && !receive.IsCompleted)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = null;
                        }

                        betweenMessages = false;
                    }
                    else
                    {
                        receive = input.ReceiveAsync(buffer!.AsMemory(), CancellationToken.None); // not probing: a buffer is held
                    }

                    if (gather is not null && !receive.IsCompleted)
                    {
                        // Nothing more is ready from the backend: send what was gathered before waiting.
                        await gather.FlushGatheredAsync();
                    }

                    result = await receive;
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.SourceFailed(ex);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return PumpOutcome.SourceClosed(input.CloseStatus, input.CloseStatusDescription);
                }

                if (probing && result.Count == 0 && !result.EndOfMessage)
                {
                    buffer ??= ArrayPool<byte>.Shared.Rent(_bufferSize);
                    continue;
                }

                Touch();
                var messageStart = !midMessage;
                midMessage = !result.EndOfMessage;
                messageBytes += result.Count;
                if (messageBytes > maxMessageBytes)
                {
                    return PumpOutcome.Violation(WebSocketCloseStatus.MessageTooBig, "Message too big");
                }

                if (limiter is not null)
                {
                    // Only routes with message rate limits get here; the Delay action waits inside, not reading the sender.
                    if (messageStart)
                    {
                        dropping = false;
                        var verdict = await limiter.AcquireAsync(messageStart: true, result.Count, _ended!.Token);
                        if (verdict == RateLimitVerdict.Close)
                        {
                            return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                        }

                        if (verdict != RateLimitVerdict.Allowed)
                        {
                            dropping = true;
                            _metrics.MessageDropped(_route.Id, direction, "rate_limit");
                        }
                    }
                    else if (!dropping && await limiter.AcquireAsync(messageStart: false, result.Count, _ended!.Token) == RateLimitVerdict.Close)
                    {
                        return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                    }

                    if (dropping)
                    {
                        if (result.EndOfMessage)
                        {
                            messageBytes = 0;
                            betweenMessages = true;
                        }

                        continue;
                    }
                }

                try
                {
                    gather?.BeginGather();
                    await output.SendAsync(buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.DestinationFailed(ex);
                }
                finally
                {
                    gather?.EndGather();
                }

                if (result.EndOfMessage)
                {
                    if (_metrics.MessagesEnabled)
                    {
                        _metrics.MessageForwarded(_route.Id, directionTag, result.MessageType, messageBytes);
                    }

                    messageBytes = 0;
                    betweenMessages = true;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The transformer path: each message is assembled (bounded by the route's maximum) and passed through the pipeline.</summary>
    private async Task<PumpOutcome> AssembleAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        var input = source.Socket;
        var maxMessageBytes = _route.MaxMessageBytesFor(direction);
        var directionTag = ProxyMetrics.DirectionTag(direction);
        var limiter = Connection.MessageLimits?.For(direction);
        var context = new MessageTransformContext(Connection, direction);
        var transformers = _route.Transformers;
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    if (buffer is null)
                    {
                        result = await input.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                    }
                    else
                    {
                        if (buffer.Length - length < 1024)
                        {
                            buffer = Grow(buffer, length, maxMessageBytes);
                        }

                        result = await input.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    }
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.SourceFailed(ex);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return PumpOutcome.SourceClosed(input.CloseStatus, input.CloseStatusDescription);
                }

                if (buffer is null && result.Count == 0 && !result.EndOfMessage)
                {
                    buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
                    continue;
                }

                Touch();
                length += result.Count;
                if (length > maxMessageBytes)
                {
                    return PumpOutcome.Violation(WebSocketCloseStatus.MessageTooBig, "Message too big");
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                context.MessageType = result.MessageType;
                context.Payload = buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, length);
                var messageType = result.MessageType;
                var forward = true;
                if (limiter is not null)
                {
                    var verdict = await limiter.AcquireAsync(messageStart: true, length, _ended!.Token);
                    if (verdict == RateLimitVerdict.Close)
                    {
                        return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                    }

                    if (verdict != RateLimitVerdict.Allowed)
                    {
                        forward = false;
                        _metrics.MessageDropped(_route.Id, direction, "rate_limit");
                        if (verdict == RateLimitVerdict.DropWithNotice)
                        {
                            try
                            {
                                await input.SendAsync(MessageLimiter.DropNotice, WebSocketMessageType.Text, true, CancellationToken.None);
                            }
                            catch (Exception ex) when (IsSocketFailure(ex))
                            {
                                return PumpOutcome.SourceFailed(ex);
                            }
                        }
                    }
                }

                for (var i = 0; forward && i < transformers.Count; i++)
                {
                    var decision = await transformers[i].TransformAsync(context, _ended!.Token); // created whenever the route has transformers or limits
                    switch (decision.Action)
                    {
                        case MessageTransformAction.Forward:
                            if (!decision.KeepsPayload)
                            {
                                context.Payload = decision.Payload;
                                context.MessageType = messageType = decision.MessageType ?? messageType;
                            }

                            continue;
                        case MessageTransformAction.Drop:
                            _metrics.MessageDropped(_route.Id, direction, "transformer");
                            break;
                        case MessageTransformAction.Reply:
                            try
                            {
                                await input.SendAsync(decision.Payload, decision.MessageType ?? WebSocketMessageType.Text, true, CancellationToken.None);
                            }
                            catch (Exception ex) when (IsSocketFailure(ex))
                            {
                                return PumpOutcome.SourceFailed(ex);
                            }

                            break;
                        case MessageTransformAction.Close:
                            return PumpOutcome.Violation(decision.CloseStatus, decision.CloseReason ?? "Closed by policy");
                    }

                    forward = false;
                    break;
                }

                if (forward)
                {
                    try
                    {
                        await destination.Socket.SendAsync(context.Payload, messageType, true, CancellationToken.None);
                    }
                    catch (Exception ex) when (IsSocketFailure(ex))
                    {
                        return PumpOutcome.DestinationFailed(ex);
                    }

                    if (_metrics.MessagesEnabled)
                    {
                        _metrics.MessageForwarded(_route.Id, directionTag, messageType, context.Payload.Length);
                    }
                }

                context.Payload = default;
                length = 0;
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = null;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static byte[] Grow(byte[] buffer, int length, long maxMessageBytes)
    {
        var target = (int)Math.Min(Math.Max((long)buffer.Length * 2, length + 1024L), Math.Min(maxMessageBytes + 1024L, Array.MaxLength));
        var larger = ArrayPool<byte>.Shared.Rent(target);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Delivers the end of one pump to both legs.</summary>
    private async Task FinishAsync(SessionLeg source, SessionLeg destination, MessageDirection direction, PumpOutcome outcome)
    {
        var fromClient = direction == MessageDirection.ClientToBackend;
        switch (outcome.Kind)
        {
            case PumpOutcomeKind.SourceClosed:
                // Forward the close as received; the other pump forwards the reply, completing both handshakes.
                await destination.TryCloseOutputAsync(outcome.Status ?? WebSocketCloseStatus.Empty, outcome.Reason, _closeTimeout, _timeProvider);
                break;

            case PumpOutcomeKind.SourceFailed:
                if (Volatile.Read(ref _closing) == 0)
                {
                    Log.LegFailed(_logger, Connection.ConnectionId, source.Name, outcome.Error);
                    if (!fromClient)
                    {
                        Connection.Backend?.Health.ReportAbnormalClose(); // passive health: the backend vanished
                    }
                }

                await destination.TryCloseOutputAsync(
                    fromClient ? WebSocketCloseStatus.EndpointUnavailable : BadGateway,
                    fromClient ? "Client went away" : "Backend went away",
                    _closeTimeout,
                    _timeProvider);
                if (fromClient && _clientTransport is not null && outcome.Error is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted })
                {
                    // The socket itself told the client why (1002 protocol error, 1007 invalid UTF-8):
                    // linger until the client hangs up, so that close frame is not destroyed by a TCP reset.
                    await LingerAsync(_clientTransport is CoalescingStream coalescing ? coalescing.Inner : _clientTransport);
                }

                source.Socket.Abort();
                break;

            case PumpOutcomeKind.DestinationFailed:
                if (destination.CloseSent)
                {
                    // Not a failure of the peer: this send lost the race with a close frame the proxy had already
                    // sent on that leg (a size violation, a drain). Aborting would reset the connection and
                    // destroy that close frame; read the source until its own close instead.
                    await DrainUntilCloseAsync(source.Socket);
                    break;
                }

                if (Volatile.Read(ref _closing) == 0)
                {
                    Log.LegFailed(_logger, Connection.ConnectionId, destination.Name, outcome.Error);
                    if (fromClient)
                    {
                        Connection.Backend?.Health.ReportAbnormalClose(); // passive health: the backend vanished
                    }
                }

                destination.Socket.Abort();
                await source.TryCloseOutputAsync(
                    fromClient ? BadGateway : WebSocketCloseStatus.EndpointUnavailable,
                    fromClient ? "Backend went away" : "Client went away",
                    _closeTimeout,
                    _timeProvider);
                break;

            case PumpOutcomeKind.Violation:
                Log.Violation(_logger, Connection.ConnectionId, source.Name, (int)outcome.Status!.Value, outcome.Reason);
                Volatile.Write(ref _closing, 1);
                var toSource = source.TryCloseOutputAsync(outcome.Status.Value, outcome.Reason, _closeTimeout, _timeProvider);
                var toDestination = destination.TryCloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "Peer closed", _closeTimeout, _timeProvider);
                await Task.WhenAll(toSource, toDestination);
                await DrainUntilCloseAsync(source.Socket);
                break;
        }
    }

    /// <summary>Reads and discards what the peer still sends until its close frame arrives, completing the close handshake.</summary>
    private async Task DrainUntilCloseAsync(WebSocket socket)
    {
        // A full-size buffer: the rest of an oversized (possibly compressed) message is inflated and discarded
        // here, and small reads would make a compression bomb's remainder outlast the close timeout.
        var buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
        using var timeout = new CancellationTokenSource(_closeTimeout, _timeProvider);
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (IsSocketFailure(ex))
        {
            // Gone before answering: the close frame was sent, that is all that can be done.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads and discards from a raw transport until the peer closes it, for at most one second or the close timeout.</summary>
    private async Task LingerAsync(Stream transport)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        var linger = _closeTimeout < TimeSpan.FromSeconds(1) ? _closeTimeout : TimeSpan.FromSeconds(1);
        using var timeout = new CancellationTokenSource(linger, _timeProvider);
        try
        {
            while (await transport.ReadAsync(buffer.AsMemory(), timeout.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Gone, or lingered long enough.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsSocketFailure(Exception ex)
        => ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    private static partial class Log
    {
        [LoggerMessage(EventId = 110, EventName = "LegFailed", Level = LogLevel.Debug, Message = "Session {ConnectionId}: the {Leg} leg ended without a close handshake.")]
        public static partial void LegFailed(ILogger logger, string connectionId, string leg, Exception? exception);

        [LoggerMessage(EventId = 111, EventName = "SessionViolation", Level = LogLevel.Information, Message = "Session {ConnectionId}: closing the {Leg} leg with {CloseStatus} ({Reason}).")]
        public static partial void Violation(ILogger logger, string connectionId, string leg, int closeStatus, string? reason);

        [LoggerMessage(EventId = 112, EventName = "IdleTimeout", Level = LogLevel.Information, Message = "Session {ConnectionId}: no message for {IdleTimeout}; closing both legs.")]
        public static partial void IdleTimeout(ILogger logger, string connectionId, TimeSpan idleTimeout);

        [LoggerMessage(EventId = 113, EventName = "CloseTimedOut", Level = LogLevel.Debug, Message = "Session {ConnectionId}: a peer did not complete the close handshake in time; aborting.")]
        public static partial void CloseTimedOut(ILogger logger, string connectionId);

        [LoggerMessage(EventId = 114, EventName = "PumpFailed", Level = LogLevel.Error, Message = "Session {ConnectionId}: the {Direction} pump failed.")]
        public static partial void PumpFailed(ILogger logger, string connectionId, MessageDirection direction, Exception exception);
    }
}
