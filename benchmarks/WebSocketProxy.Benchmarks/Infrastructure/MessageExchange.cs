using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Benchmarks.Infrastructure;

/// <summary>Send and receive loops for the benchmarks. Both use pooled async builders, so they allocate nothing per message.</summary>
internal static class MessageExchange
{
    /// <summary>Sends <paramref name="count"/> binary messages of <paramref name="payload"/>, each split into <paramref name="frames"/> frames, while the receiver reads them.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask StreamAsync(WebSocket sender, WebSocket receiver, byte[] payload, int frames, int count, byte[] receiveBuffer)
    {
        var received = ReceiveAsync(receiver, receiveBuffer, count);
        await SendAsync(sender, payload, frames, count);
        var bytes = await received;
        if (bytes != (long)payload.Length * count)
        {
            throw new InvalidOperationException($"Received {bytes} bytes, expected {(long)payload.Length * count}.");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask SendAsync(WebSocket socket, byte[] payload, int frames, int count)
    {
        var frameBytes = payload.Length / frames;
        for (var m = 0; m < count; m++)
        {
            for (var f = 0; f < frames; f++)
            {
                var last = f == frames - 1;
                var start = f * frameBytes;
                var length = last ? payload.Length - start : frameBytes;
                await socket.SendAsync(payload.AsMemory(start, length), WebSocketMessageType.Binary, last, CancellationToken.None);
            }
        }
    }

    /// <summary>Receives <paramref name="count"/> whole messages and returns their total size.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<long> ReceiveAsync(WebSocket socket, byte[] buffer, int count)
    {
        long bytes = 0;
        for (var m = 0; m < count; m++)
        {
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new InvalidOperationException("The socket closed during the benchmark.");
                }

                bytes += result.Count;
            }
            while (!result.EndOfMessage);
        }

        return bytes;
    }

    /// <summary>Sends <paramref name="count"/> whole messages of <paramref name="payload"/> with <paramref name="messageType"/> while the receiver reads as many whole messages (of any size: a transformer may change them).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask ExchangeAsync(WebSocket sender, WebSocket receiver, byte[] payload, WebSocketMessageType messageType, int count, byte[] receiveBuffer)
    {
        var received = ReceiveAsync(receiver, receiveBuffer, count);
        for (var m = 0; m < count; m++)
        {
            await sender.SendAsync(payload, messageType, true, CancellationToken.None);
        }

        if (await received == 0)
        {
            throw new InvalidOperationException("Nothing arrived.");
        }
    }
}
