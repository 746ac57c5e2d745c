using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Forwarding;

/// <summary>The send-timeout watchdog: a leg whose peer stopped reading, so that a send stays pending, is aborted.</summary>
internal sealed partial class ProxySession
{
    /// <summary>
    /// Sends on a leg, noting when the send has to wait (the peer stopped reading): a watchdog, created the first time
    /// that happens, aborts a leg whose send stays pending past the route's send timeout. Sends that complete at once
    /// cost one check.
    /// </summary>
    private ValueTask SendAsync(SessionLeg leg, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType, bool endOfMessage)
        => TrackSend(leg, leg.Socket.SendAsync(payload, messageType, endOfMessage, CancellationToken.None));

    /// <summary>Puts a write on a leg under the send-timeout watchdog when it has to wait.</summary>
    private ValueTask TrackSend(SessionLeg leg, ValueTask send)
    {
        if (send.IsCompleted || _sendTimeout == Timeout.InfiniteTimeSpan)
        {
            return send;
        }

        return AwaitPendingSendAsync(leg, send);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // a slow peer does not make every send allocate
    private async ValueTask AwaitPendingSendAsync(SessionLeg leg, ValueTask send)
    {
        leg.SendPendingSince = _timeProvider.GetTimestamp();
        EnsureStallTimer();
        try
        {
            await send;
        }
        finally
        {
            leg.SendPendingSince = 0;
        }
    }

    private void EnsureStallTimer()
    {
        if (Volatile.Read(ref _stallTimer) is not null || Volatile.Read(ref _finished) != 0)
        {
            return;
        }

        var period = _sendTimeout / 4;
        var timer = _timeProvider.CreateTimer(static state => ((ProxySession)state!).OnStallTimer(), this, period, period);
        if (Interlocked.CompareExchange(ref _stallTimer, timer, null) is not null)
        {
            timer.Dispose();
        }
    }

    private void OnStallTimer()
    {
        foreach (var leg in (ReadOnlySpan<SessionLeg>)[_client, _backend])
        {
            var since = leg.SendPendingSince;
            if (since != 0 && _timeProvider.GetElapsedTime(since) >= _sendTimeout)
            {
                Log.SendStalled(_logger, Connection.ConnectionId, leg.Name, _sendTimeout);
                leg.Socket.Abort(); // the pump's pending send fails: the other leg gets 1001 or 1014
            }
        }
    }
}
