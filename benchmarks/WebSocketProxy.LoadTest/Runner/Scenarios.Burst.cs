using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using WebSocketProxy.LoadTest.Hosts;

namespace WebSocketProxy.LoadTest.Runner;

/// <content>
/// The burst scenarios: a client that writes many frames at once (a game tick, a batch of events). A .NET client pays a
/// socket write per message and the Kestrel echo a read and a write per message; here each connection writes 16 frames
/// (2 at 64 KiB) per socket write over a hand-made handshake and the bulk echo (<see cref="BulkEchoServer"/>) answers
/// each read with one write: every message is still its own WebSocket frame through the proxy, and the load side costs
/// about what a proxy does per message (four loopback hops of the same bytes), so at 1 KiB its core still bounds the rate.
/// </content>
internal sealed partial class Scenarios
{
    private const uint BurstMaskKey = 0x5A3C_96E1;

    /// <summary>Each connection writes batches of frames as fast as the path takes them while reading the echoes; counts echoed messages.</summary>
    public async Task<Measurement> BurstAsync(Target target, string scenario, int round, int connections, int size, double seconds)
    {
        var streams = new NetworkStream[connections];
        using var connectDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < connections; i++)
        {
            streams[i] = await RawConnectAsync(new Uri(target.Uri + "/bulk"), connectDeadline.Token); // the echo route of every target
        }

        try
        {
            var perBatch = size <= 4096 ? 16 : 2;
            var batch = BuildBatch(size, perBatch);
            var inWindow = new long[connections];
            var total = new long[connections];
            var runtime0 = await RuntimeSnapshot.ReadAsync(_invoker, target);
            var cpu0 = Cpu(target);
            var load0 = LoadCpu();
            var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds) + Grace);
            var loops = new Task[connections];
            for (var i = 0; i < connections; i++)
            {
                loops[i] = BurstLoopAsync(streams[i], batch, perBatch, end, inWindow, total, i, deadline.Token);
            }

            return await ThroughputMeasurementAsync(scenario, target, round, connections, seconds, loops, inWindow, total, cpu0, load0, runtime0);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await RawCloseAsync(stream);
            }
        }
    }

    private static async Task BurstLoopAsync(NetworkStream stream, byte[] batch, int perBatch, long end, long[] inWindow, long[] total, int index, CancellationToken cancellationToken)
    {
        // At most ~256 KiB in flight per connection, as in the stream scenarios.
        using var window = new SemaphoreSlim(Math.Max(2 * perBatch, 256 * 1024 / (batch.Length / perBatch)));
        using var writes = new SemaphoreSlim(1, 1); // the sender's batches and the reader's pongs
        var sender = Task.Run(
            async () =>
            {
                long sent = 0;
                while (Stopwatch.GetTimestamp() < end)
                {
                    for (var i = 0; i < perBatch; i++)
                    {
                        await window.WaitAsync(cancellationToken);
                    }

                    await WriteAsync(stream, writes, batch, cancellationToken);
                    sent += perBatch;
                }

                await WriteAsync(stream, writes, MaskedFrame(RawFrames.Binary, EndMarker), cancellationToken); // its echo ends the reader
                return sent;
            },
            cancellationToken);

        var reader = new BurstReader(stream, writes);
        await CountEchoesAsync(() => reader.NextMessageAsync(cancellationToken), window, sender, end, inWindow, total, index);
    }

    private static async Task WriteAsync(NetworkStream stream, SemaphoreSlim writes, byte[] bytes, CancellationToken cancellationToken)
    {
        await writes.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            writes.Release();
        }
    }

    /// <summary><paramref name="count"/> masked binary frames of <paramref name="size"/> random bytes, back to back.</summary>
    private static byte[] BuildBatch(int size, int count)
    {
        var frame = MaskedFrame(RawFrames.Binary, Payload(size));
        var batch = new byte[frame.Length * count];
        for (var i = 0; i < count; i++)
        {
            frame.CopyTo(batch, i * frame.Length);
        }

        return batch;
    }

    private static byte[] MaskedFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[14 + payload.Length];
        var header = RawFrames.WriteHeader(frame, fin: true, opcode, payload.Length, BurstMaskKey);
        payload.CopyTo(frame.AsSpan(header));
        RawFrames.Mask(frame.AsSpan(header, payload.Length), BurstMaskKey, 0);
        return frame[..(header + payload.Length)];
    }

    /// <summary>Connects and completes a client handshake by hand; the echo speaks first only after it, so nothing is read past the 101's headers.</summary>
    private static async Task<NetworkStream> RawConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(uri.Host, uri.Port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            var response = new List<byte>(256);
            var one = new byte[1];
            while (response.Count < 4 || response[^1] != '\n' || response[^2] != '\r' || response[^3] != '\n' || response[^4] != '\r')
            {
                if (await stream.ReadAsync(one, cancellationToken) == 0 || response.Count > 8192)
                {
                    throw new WebSocketException(WebSocketError.HeaderError, "The handshake answer ended early.");
                }

                response.Add(one[0]);
            }

            var head = Encoding.ASCII.GetString(response.ToArray());
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) || !head.Contains(RawFrames.Accept(key), StringComparison.Ordinal))
            {
                throw new WebSocketException(WebSocketError.HeaderError, $"Not a WebSocket answer: {head.Split('\r')[0]}");
            }

            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a close frame and waits (briefly) for the peer to end the connection.</summary>
    private static async Task RawCloseAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await stream.WriteAsync(MaskedFrame(RawFrames.Close, [0x03, 0xE8]), timeout.Token);
            var sink = new byte[16 * 1024];
            while (await stream.ReadAsync(sink, timeout.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already, or slow to go: disposed below either way.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }
}
