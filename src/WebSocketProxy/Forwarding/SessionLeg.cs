using System.Net.WebSockets;

namespace WebSocketProxy.Forwarding;

/// <summary>One side of a session. Sends its close frame at most once, whoever asks first.</summary>
internal sealed class SessionLeg
{
    private int _closeSent;
    private long _sendPendingSince;

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
