using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Forwarding;

/// <summary>The close choreography: how the end of one pump reaches both legs, so every end delivers a meaningful close code.</summary>
internal sealed partial class ProxySession
{
    private async Task PumpAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        PumpOutcome outcome;
        try
        {
            if (RelaysFrames)
            {
                // The relay's wait is awaited here rather than in a method of its own: an idle session then holds one state
                // machine per leg, not two. It returns only for a close frame or when the relay stopped (pings are answered inside).
                Exception? failure = null;
                var received = default(ValueWebSocketReceiveResult);
                try
                {
                    received = await source.Socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    failure = ex;
                }

                outcome = failure is null
                    ? await RelayEndedAsync(source, direction == MessageDirection.ClientToBackend ? _clientRelay! : _backendRelay!, received)
                    : PumpOutcome.SourceFailed(failure);
            }
            else
            {
                outcome = _pipeline.IsEmpty && _limits?.SendsNotices != true
                    ? await StreamAsync(source, destination, direction)
                    : await AssembleAsync(source, destination, direction);
            }
        }
        catch (OperationCanceledException ex) when (Volatile.Read(ref _closing) != 0)
        {
            // The session was aborted while the pump waited on it (a rate limit's delay, a transformer): not a failure.
            outcome = PumpOutcome.SourceFailed(ex);
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

    /// <summary>Delivers the end of one pump to both legs.</summary>
    private async Task FinishAsync(SessionLeg source, SessionLeg destination, MessageDirection direction, PumpOutcome outcome)
    {
        NoteInitiator(source, destination, outcome);
        var fromClient = direction == MessageDirection.ClientToBackend;
        switch (outcome.Kind)
        {
            case PumpOutcomeKind.SourceClosed:
                // Forward the close as received; the other pump forwards the reply, completing both handshakes.
                await destination.TryCloseOutputAsync(outcome.Status ?? WebSocketCloseStatus.Empty, outcome.Reason, _closeTimeout, _timeProvider);
                if (!fromClient)
                {
                    await CompleteBackendCloseAsync(source, outcome);
                }

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
                    fromClient ? WebSocketCloseStatus.EndpointUnavailable : ProxyCloseStatus.BadGateway,
                    fromClient ? "Client went away" : "Backend went away",
                    _closeTimeout,
                    _timeProvider);
                if (fromClient && _inspector is not null && outcome.Error is WebSocketException { WebSocketErrorCode: WebSocketError.Faulted })
                {
                    // The socket itself told the client why (1002 protocol error, 1007 invalid UTF-8): linger until the
                    // client's close frame arrives, so ours is not destroyed by a TCP reset, then close TCP (RFC 6455 §7.1.1).
                    await LingerAsync(_inspector);
                }

                source.Socket.Abort();
                break;

            case PumpOutcomeKind.DestinationFailed:
                if (destination.CloseSent || destination.Socket.State is WebSocketState.CloseSent or WebSocketState.Closed)
                {
                    // Not a failure of the peer: this send lost the race with a close frame already sent on that leg
                    // (by the proxy: a size violation, a drain; or by the socket itself: 1002, 1007). Aborting would reset
                    // the connection and destroy that close frame; read the source until its own close instead.
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
                    fromClient ? ProxyCloseStatus.BadGateway : WebSocketCloseStatus.EndpointUnavailable,
                    fromClient ? "Backend went away" : "Client went away",
                    _closeTimeout,
                    _timeProvider);

                // Read the source until its answer: disposing a socket with unread data resets the connection, and a
                // reset can destroy the close frame before the peer reads it (a backend flooding a stalled client).
                await DrainUntilCloseAsync(source.Socket);
                break;

            case PumpOutcomeKind.Violation:
                Log.Violation(_logger, Connection.ConnectionId, source.Name, (int)outcome.Status!.Value, outcome.Reason);
                Volatile.Write(ref _closing, 1);
                var toSource = source.TryCloseOutputAsync(outcome.Status.Value, outcome.Reason, _closeTimeout, _timeProvider);
                // 1011 (a transformer failed or overran) is the proxy's own error, not the sender's: both legs get it.
                var internalError = outcome.Status == WebSocketCloseStatus.InternalServerError;
                var toDestination = destination.TryCloseOutputAsync(
                    internalError ? WebSocketCloseStatus.InternalServerError : WebSocketCloseStatus.EndpointUnavailable,
                    internalError ? outcome.Reason : "Peer closed",
                    _closeTimeout,
                    _timeProvider);
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

    /// <summary>
    /// The backend closed first: once the client has had half the close timeout to answer (its answer is forwarded as
    /// usual), the proxy answers the backend itself with the backend's own code, so the backend's close handshake
    /// completes whatever the client does.
    /// </summary>
    private async Task CompleteBackendCloseAsync(SessionLeg backend, PumpOutcome outcome)
    {
        var clientPump = _clientPump;
        if (clientPump is not null && !clientPump.IsCompleted)
        {
            try
            {
                await clientPump.WaitAsync(_closeTimeout / 2, _timeProvider);
            }
            catch (TimeoutException)
            {
                // The client is silent: answer for it below.
            }
        }

        await backend.TryCloseOutputAsync(outcome.Status ?? WebSocketCloseStatus.Empty, outcome.Reason, _closeTimeout, _timeProvider);
    }

    /// <summary>Reads and discards the client's transport until its close frame has arrived or it hangs up, for at most one second or the close timeout.</summary>
    private async Task LingerAsync(ClientFrameInspector transport)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1024);
        var linger = _closeTimeout < TimeSpan.FromSeconds(1) ? _closeTimeout : TimeSpan.FromSeconds(1);
        using var timeout = new CancellationTokenSource(linger, _timeProvider);
        try
        {
            while (!transport.CloseFrameReceived && await transport.ReadAsync(buffer.AsMemory(), timeout.Token) > 0)
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
        [LoggerMessage(EventId = EventIds.LegFailed, EventName = nameof(EventIds.LegFailed), Level = LogLevel.Debug, Message = "Session {ConnectionId}: the {Leg} leg ended without a close handshake.")]
        public static partial void LegFailed(ILogger logger, string connectionId, string leg, Exception? exception);

        [LoggerMessage(EventId = EventIds.SessionViolation, EventName = nameof(EventIds.SessionViolation), Level = LogLevel.Information, Message = "Session {ConnectionId}: closing the {Leg} leg with {CloseStatus} ({Reason}).")]
        public static partial void Violation(ILogger logger, string connectionId, string leg, int closeStatus, string? reason);

        [LoggerMessage(EventId = EventIds.IdleTimeout, EventName = nameof(EventIds.IdleTimeout), Level = LogLevel.Information, Message = "Session {ConnectionId}: no message for {IdleTimeout}; closing both legs.")]
        public static partial void IdleTimeout(ILogger logger, string connectionId, TimeSpan idleTimeout);

        [LoggerMessage(EventId = EventIds.CloseTimedOut, EventName = nameof(EventIds.CloseTimedOut), Level = LogLevel.Debug, Message = "Session {ConnectionId}: a peer did not complete the close handshake in time; aborting.")]
        public static partial void CloseTimedOut(ILogger logger, string connectionId);

        [LoggerMessage(EventId = EventIds.PumpFailed, EventName = nameof(EventIds.PumpFailed), Level = LogLevel.Error, Message = "Session {ConnectionId}: the {Direction} pump failed.")]
        public static partial void PumpFailed(ILogger logger, string connectionId, MessageDirection direction, Exception exception);

        [LoggerMessage(EventId = EventIds.SendStalled, EventName = nameof(EventIds.SendStalled), Level = LogLevel.Information, Message = "Session {ConnectionId}: a send to the {Leg} leg has been pending for {SendTimeout}; aborting that leg.")]
        public static partial void SendStalled(ILogger logger, string connectionId, string leg, TimeSpan sendTimeout);

        [LoggerMessage(EventId = EventIds.TokenExpired, EventName = nameof(EventIds.TokenExpired), Level = LogLevel.Information, Message = "Session {ConnectionId} on route {Route}: the client's token expired; closing with 1008.")]
        public static partial void TokenExpired(ILogger logger, string connectionId, string route);
    }
}
