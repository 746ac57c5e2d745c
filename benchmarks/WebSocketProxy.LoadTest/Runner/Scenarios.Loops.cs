using System.Diagnostics;
using System.Net.WebSockets;

namespace WebSocketProxy.LoadTest.Runner;

/// <content>The connections and the loops each scenario runs on them.</content>
internal sealed partial class Scenarios
{
    private async Task<ClientWebSocket[]> ConnectManyAsync(Target target, int count, int concurrency, bool roundTrip = false)
    {
        var sockets = new ClientWebSocket[count];
        var next = -1;
        var payload = Payload(64);
        var buffer = new byte[1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (count / 50)));
        var workers = new Task[Math.Max(1, Math.Min(concurrency, count))];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var receive = new byte[1024];
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    await socket.ConnectAsync(target.Uri, _invoker, deadline.Token);
                    if (roundTrip)
                    {
                        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, deadline.Token);
                        await ReceiveMessageAsync(socket, receive, deadline.Token);
                    }

                    sockets[i] = socket;
                }
            });
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }

        return sockets;
    }

    private static async Task CloseManyAsync(ClientWebSocket[] sockets)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var closes = new Task[sockets.Length];
        for (var i = 0; i < sockets.Length; i++)
        {
            closes[i] = CloseAsync(sockets[i], deadline.Token);
        }

        await Task.WhenAll(closes);
    }

    private static async Task CloseAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static async Task PingPongLoopAsync(ClientWebSocket socket, byte[] payload, long start, long end, long period, List<long> latencies, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(payload.Length, 1024)];
        var scheduled = start;
        while (true)
        {
            if (period > 0)
            {
                var wait = scheduled - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken);
                }

                scheduled += period;
            }

            var sent = Stopwatch.GetTimestamp();
            if (sent >= end)
            {
                return;
            }

            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
            await ReceiveMessageAsync(socket, buffer, cancellationToken);
            latencies.Add(Stopwatch.GetTimestamp() - sent);
        }
    }

    private static async Task StreamLoopAsync(ClientWebSocket socket, byte[] payload, long end, long[] inWindow, long[] total, int index, CancellationToken cancellationToken)
    {
        // At most ~256 KiB in flight per connection: a fast sender cannot starve its reader or bloat socket buffers.
        using var window = new SemaphoreSlim(Math.Max(4, 256 * 1024 / payload.Length));
        var sender = Task.Run(
            async () =>
            {
                long sent = 0;
                while (Stopwatch.GetTimestamp() < end)
                {
                    await window.WaitAsync(cancellationToken);
                    await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
                    sent++;
                }

                // A one-byte message marks the end: its echo tells the reader that nothing more is in flight.
                await socket.SendAsync(EndMarker, WebSocketMessageType.Binary, true, cancellationToken);
                return sent;
            },
            cancellationToken);

        var buffer = new byte[64 * 1024];
        await CountEchoesAsync(async () => await ReceiveMessageAsync(socket, buffer, cancellationToken), window, sender, end, inWindow, total, index);
    }

    private async Task ConnectLoopAsync(Target target, byte[] payload, long end, List<long> latencies, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= end)
            {
                return;
            }

            using var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(target.Uri, _invoker, cancellationToken);
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
            await ReceiveMessageAsync(socket, buffer, cancellationToken);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            latencies.Add(Stopwatch.GetTimestamp() - start);
        }
    }

    private static async Task<long> ReceiveMessageAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        long bytes = 0;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            bytes += result.Count;
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"Closed by the peer: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
        }
        while (!result.EndOfMessage);
        return bytes;
    }
}
