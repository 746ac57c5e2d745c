using System.Net.WebSockets;

namespace WebSocketProxy.Backends;

/// <summary>What a <see cref="FrameRelayStream"/> decides about a message it is forwarding.</summary>
internal enum FrameRelayVerdict
{
    /// <summary>Forward the frame.</summary>
    Forward,

    /// <summary>Drop the whole message (its remaining frames are skipped).</summary>
    Drop,

    /// <summary>End the session: the sender broke the route's message rate (1008).</summary>
    Close,
}

/// <summary>
/// The session's side of one direction of a frame relay: the message limits, counters and send watchdog that the relay
/// consults while it passes frames through. Called from the relay's read loop only (one caller at a time).
/// </summary>
internal interface IFrameRelayObserver
{
    /// <summary>Gets whether <see cref="OnFrameAsync"/> is called for every data frame (a message limiter is on).</summary>
    bool WatchesFrames { get; }

    /// <summary>Decides about one data frame before it is forwarded; <paramref name="messageStart"/> for a message's first frame.</summary>
    ValueTask<FrameRelayVerdict> OnFrameAsync(bool messageStart, long payloadLength);

    /// <summary>Counts one whole message passed through.</summary>
    void OnMessageForwarded(WebSocketMessageType messageType, long payloadBytes);

    /// <summary>Notes traffic on the session (the idle timer).</summary>
    void OnActivity();

    /// <summary>Puts a write to the destination under the session's send watchdog.</summary>
    ValueTask TrackWrite(ValueTask write);
}

/// <summary>Why a relay stopped forwarding: the destination failed, or the source broke a rule (close status and reason).</summary>
internal sealed record FrameRelayExit(WebSocketCloseStatus Status, string Reason, Exception? DestinationError)
{
    /// <summary>Gets whether the destination could not take a frame (rather than a rule broken by the source).</summary>
    public bool DestinationFailed => DestinationError is not null;
}
