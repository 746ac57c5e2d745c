using WebSocketProxy.Testing;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>A WebSocket client on a bare TCP connection: sends whatever frames a test makes, answers nothing by itself.</summary>
public sealed class RawWebSocketClient : IDisposable
{
    private readonly TcpClient _tcp;

    private RawWebSocketClient(TcpClient tcp, NetworkStream stream, string head)
    {
        _tcp = tcp;
        Stream = stream;
        Head = head;
    }

    public NetworkStream Stream { get; }

    /// <summary>Gets the HTTP response head of the handshake.</summary>
    public string Head { get; }

    public int Status => RawFrames.StatusOf(Head);

    /// <summary>Sends an upgrade (fixed key <c>dGhlIHNhbXBsZSBub25jZQ==</c>) and reads the response head, whatever its status.</summary>
    /// <param name="receiveBufferSize">A small socket receive buffer makes a client that stops reading stall the sender sooner.</param>
    public static Task<RawWebSocketClient> ConnectAsync(int port, string path, CancellationToken cancellationToken, int? receiveBufferSize = null, params string[] extraHeaders)
        => SendRequestAsync(port, RawHttp.Upgrade(port, path, extraHeaders), cancellationToken, receiveBufferSize);

    /// <summary>Sends a hand-written request head (for headers <see cref="RawHttp.Upgrade"/> fixes, like <c>Connection</c>) and reads the response head.</summary>
    public static async Task<RawWebSocketClient> SendRequestAsync(int port, string request, CancellationToken cancellationToken, int? receiveBufferSize = null)
    {
        var tcp = new TcpClient();
        if (receiveBufferSize is { } size)
        {
            tcp.ReceiveBufferSize = size;
        }

        try
        {
            await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            var head = await RawFrames.ReadHeadAsync(stream, cancellationToken);
            return new RawWebSocketClient(tcp, stream, head);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    public Task SendAsync(byte[] frame, CancellationToken cancellationToken) => Stream.WriteAsync(frame, cancellationToken).AsTask();

    public Task<RawFrame?> ReadFrameAsync(CancellationToken cancellationToken) => RawFrames.ReadAsync(Stream, cancellationToken);

    /// <summary>Reads frames until a close frame arrives; returns it with every frame read before it, or null when the connection ended (or the token fired) first.</summary>
    public async Task<(RawFrame? Close, List<RawFrame> Before)> ReadUntilCloseAsync(CancellationToken cancellationToken)
    {
        var before = new List<RawFrame>();
        try
        {
            while (true)
            {
                var frame = await ReadFrameAsync(cancellationToken);
                if (frame is null)
                {
                    return (null, before);
                }

                if (frame.Opcode == Opcode.Close)
                {
                    return (frame, before);
                }

                before.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            return (null, before);
        }
    }

    /// <summary>Reads and discards until the server closes the TCP connection; returns how long that took, or null when <paramref name="within"/> ran out first.</summary>
    public async Task<TimeSpan?> WaitForEofAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        var watch = Stopwatch.StartNew();
        var buffer = new byte[4096];
        try
        {
            while (await Stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return watch.Elapsed;
        }
        catch (IOException)
        {
            return watch.Elapsed; // reset: closed as well
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _tcp.Dispose();
}
