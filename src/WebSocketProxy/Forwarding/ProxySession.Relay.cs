using System.Diagnostics;
using System.Net.WebSockets;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// The frame relay: what a route without transformers runs when both legs are transports the proxy owns. Data frames
/// pass from one leg's transport to the other's as they are on the wire (<see cref="FrameRelayStream"/>); the pump only
/// waits on the source's WebSocket, which sees nothing but control frames, and returns when it receives a close frame,
/// fails, or the relay stops.
/// </summary>
internal sealed partial class ProxySession
{
    private readonly FrameRelayStream? _clientRelay;
    private readonly FrameRelayStream? _backendRelay;

    /// <summary>Gets whether this session forwards frames through the relay (rather than through its WebSockets).</summary>
    public bool RelaysFrames => _clientRelay is not null;

    private void StartRelay()
    {
        _clientRelay!.Start(_backendRelay!, new RelayObserver(this, _client, _backend, MessageDirection.ClientToBackend), _route.MaxMessageBytesFor(MessageDirection.ClientToBackend), _bufferSize);
        _backendRelay!.Start(_clientRelay, new RelayObserver(this, _backend, _client, MessageDirection.BackendToClient), _route.MaxMessageBytesFor(MessageDirection.BackendToClient), _bufferSize);
    }

    /// <summary>What a relaying leg's pump ends with, once its WebSocket's receive returned <paramref name="received"/>.</summary>
    private async ValueTask<PumpOutcome> RelayEndedAsync(SessionLeg source, FrameRelayStream relay, ValueWebSocketReceiveResult received)
    {
        var input = source.Socket;
        if (received.MessageType == WebSocketMessageType.Close)
        {
            return PumpOutcome.SourceClosed(input.CloseStatus, input.CloseStatusDescription);
        }

        if (relay.Exit is { } exit)
        {
            if (exit.DestinationError is { } error)
            {
                return PumpOutcome.DestinationFailed(error);
            }

            if (exit.Status is WebSocketCloseStatus.ProtocolError or WebSocketCloseStatus.InvalidPayloadData)
            {
                // What the WebSocket itself does on the message path: it fails the sender with 1002 or 1007, and the
                // session treats the leg as failed (the other leg gets 1001 or 1014). Sent through the leg, so the session
                // knows this leg's close is out: the other pump, whose next write to it then fails, must not reset the
                // connection under that close frame (FinishAsync, DestinationFailed).
                await source.TryCloseOutputAsync(exit.Status, string.Empty, _closeTimeout, _timeProvider);
                return PumpOutcome.SourceFailed(new WebSocketException(WebSocketError.Faulted, exit.Reason));
            }

            return PumpOutcome.Violation(exit.Status, exit.Reason);
        }

        Debug.Fail("A data frame reached the WebSocket of a relaying leg.");
        return PumpOutcome.Violation(WebSocketCloseStatus.InternalServerError, "Internal error");
    }

    /// <summary>One direction's view of the session for the relay: limits, counters, idle timer, send watchdog.</summary>
    private sealed class RelayObserver : IFrameRelayObserver
    {
        private readonly ProxySession _session;
        private readonly SessionLeg _source;
        private readonly SessionLeg _destination;
        private readonly MessageDirection _direction;
        private readonly object _directionTag;
        private readonly MessageLimiter? _limiter;
        private readonly bool _chargeFrames;
        private bool _dropping;

        public RelayObserver(ProxySession session, SessionLeg source, SessionLeg destination, MessageDirection direction)
        {
            _session = session;
            _source = source;
            _destination = destination;
            _direction = direction;
            _directionTag = ProxyMetrics.DirectionTag(direction);
            _limiter = session._limits?.For(direction);
            _chargeFrames = direction == MessageDirection.ClientToBackend; // as on the streaming path: a fragment flood costs what many messages cost
        }

        public bool WatchesFrames => _limiter is not null;

        public async ValueTask<FrameRelayVerdict> OnFrameAsync(bool messageStart, long payloadLength)
        {
            var bytes = (int)Math.Min(payloadLength, int.MaxValue);
            if (messageStart)
            {
                _dropping = false;
                var verdict = await _limiter!.AcquireAsync(messageStart: true, bytes, _session.Ended);
                if (verdict == RateLimitVerdict.Close)
                {
                    return FrameRelayVerdict.Close;
                }

                if (verdict != RateLimitVerdict.Allowed)
                {
                    _dropping = true;
                    _session._metrics.MessageDropped(_session._route.Id, _direction, "rate_limit");
                    return FrameRelayVerdict.Drop;
                }

                return FrameRelayVerdict.Forward;
            }

            if (await _limiter!.AcquireAsync(messageStart: false, bytes, _session.Ended) == RateLimitVerdict.Close
                || (_chargeFrames && await _limiter.ChargeFramesAsync(1, _session.Ended) == RateLimitVerdict.Close))
            {
                return FrameRelayVerdict.Close;
            }

            return _dropping ? FrameRelayVerdict.Drop : FrameRelayVerdict.Forward;
        }

        public void OnMessageForwarded(WebSocketMessageType messageType, long payloadBytes)
        {
            _source.CountForwarded(payloadBytes);
            if (_session._metrics.MessagesEnabled)
            {
                _session._metrics.MessageForwarded(_session._route.Id, _directionTag, messageType, payloadBytes);
            }
        }

        public void OnActivity() => _session.Touch();

        public ValueTask TrackWrite(ValueTask write) => _session.TrackSend(_destination, write);
    }
}
