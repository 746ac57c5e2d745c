using System.Net.WebSockets;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>One side of a session. Sends its close frame at most once, whoever asks first.</summary>
internal sealed class SessionLeg
{
    private int _closeSent;
    private long _sendPendingSince;
    private int _sentCloseStatus;
    private int _closedFirst;
    private long _messagesForwarded;
    private long _bytesForwarded;

    public SessionLeg(WebSocket socket, string name)
    {
        Socket = socket;
        Name = name;
    }

    public WebSocket Socket { get; }

    public string Name { get; }

    public bool CloseSent => Volatile.Read(ref _closeSent) != 0;

    /// <summary>Gets or sets when the pending send on this leg started (a <see cref="TimeProvider"/> timestamp); 0 when none is pending.</summary>
    public long SendPendingSince
    {
        get => Volatile.Read(ref _sendPendingSince);
        set => Volatile.Write(ref _sendPendingSince, value);
    }

    /// <summary>Gets the whole messages received on this leg and forwarded to the other, and their payload bytes.</summary>
    public SessionTraffic Forwarded => new(Volatile.Read(ref _messagesForwarded), Volatile.Read(ref _bytesForwarded));

    /// <summary>Counts one message received on this leg and forwarded. Only the leg's own pump calls it: two plain increments, no interlocked operation.</summary>
    public void CountForwarded(long bytes)
    {
        _messagesForwarded++;
        _bytesForwarded += bytes;
    }

    /// <summary>Gets the status of the close frame the proxy sent on this leg; <see langword="null"/> when none was sent.</summary>
    public int? SentCloseStatus => Volatile.Read(ref _sentCloseStatus) is var sent and not 0 ? sent : null;

    /// <summary>Gets whether the proxy's close frame opened this leg's close handshake (the peer had not closed yet).</summary>
    public bool ClosedFirst => Volatile.Read(ref _closedFirst) != 0;

    /// <summary>Sends a close frame unless one was already sent or the socket is gone. Never throws.</summary>
    public async Task TryCloseOutputAsync(WebSocketCloseStatus status, string? description, TimeSpan timeout, TimeProvider timeProvider)
    {
        if (Interlocked.Exchange(ref _closeSent, 1) != 0)
        {
            return;
        }

        var state = Socket.State;
        if (state is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        Volatile.Write(ref _sentCloseStatus, (int)status);
        Volatile.Write(ref _closedFirst, state == WebSocketState.Open ? 1 : 0);
        using var cts = new CancellationTokenSource(timeout, timeProvider);
        try
        {
            await Socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : description, cts.Token);
        }
        catch (Exception)
        {
            // The peer is gone or too slow to take the close frame: nothing more to say to it.
            Socket.Abort();
        }
    }
}
