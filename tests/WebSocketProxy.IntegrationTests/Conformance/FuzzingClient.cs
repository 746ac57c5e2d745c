using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>
/// A raw RFC 6455 client over a loopback TCP socket, for fuzzing a server: it performs the upgrade itself, writes exactly
/// the bytes a case asks for (any opcode, RSV bits, FIN, masked with a random key, in chops), and records every frame the
/// server sends until the server closes TCP. Like Autobahn's client it answers pings and replies to a close; nothing else.
/// </summary>
internal sealed partial class FuzzingClient : IAsyncDisposable
{
    /// <summary>The largest frame or message the client accepts from a server (the cases never ask for more).</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly List<CaseEvent> _received = [];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _readCancel;
    private readonly MessageDeflater? _deflater;
    private readonly MessageInflater? _inflater;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _readLoop = Task.CompletedTask;

    private FuzzingClient(Socket socket, NetworkStream stream, ReadOnlySpan<byte> leftover, DeflateAgreement? deflate, CancellationToken cancellationToken)
    {
        _socket = socket;
        _stream = stream;
        _reader = new FrameReader(stream, leftover);
        Deflate = deflate;
        if (deflate is not null)
        {
            _deflater = new MessageDeflater(deflate.ClientNoContextTakeover);
            _inflater = new MessageInflater();
        }

        _readCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    /// <summary>Gets the permessage-deflate parameters the server accepted, or null.</summary>
    public DeflateAgreement? Deflate { get; }

    /// <summary>Gets whether this client sent a close frame.</summary>
    public bool CloseSent { get; private set; }

    /// <summary>Gets whether this client received a close frame.</summary>
    public bool CloseReceived { get; private set; }

    /// <summary>Gets whether this client started the closing handshake (its close went first).</summary>
    public bool ClosedByMe { get; private set; }

    /// <summary>Gets whether this client dropped TCP (the server did not close it in time).</summary>
    public bool DroppedByMe { get; private set; }

    /// <summary>Gets whether the TCP connection has ended (either side).</summary>
    public bool Ended { get; private set; }

    /// <summary>Gets how the TCP connection ended: closed by the server, reset, dropped by the client, or the case timed out; null while it is up.</summary>
    public string? EndReason { get; private set; }

    /// <summary>Gets the close code the server sent, or null (no close frame, or one without a code).</summary>
    public int? RemoteCloseCode { get; private set; }

    /// <summary>Gets the close reason the server sent (raw bytes).</summary>
    public byte[] RemoteCloseReason { get; private set; } = [];

    /// <summary>Gets what the server did against the protocol (unmasked… masked frame, bad RSV, bad opcode, bad deflate data), or null.</summary>
    public string? ServerViolation { get; private set; }

    /// <summary>Gets a copy of the events received so far.</summary>
    public IReadOnlyList<CaseEvent> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Connects to <c>127.0.0.1:<paramref name="port"/></c> and performs the upgrade for <paramref name="path"/>.</summary>
    /// <param name="port">The server's port.</param>
    /// <param name="path">The request path.</param>
    /// <param name="offers">permessage-deflate offers, in order; none when null or empty.</param>
    /// <param name="cancellationToken">Bounds the handshake and, later, the whole connection.</param>
    /// <returns>The open client, reading frames in the background.</returns>
    /// <exception cref="InvalidOperationException">The server did not answer 101 with the right accept key.</exception>
    public static async Task<FuzzingClient> ConnectAsync(int port, string path, IReadOnlyList<DeflateOffer>? offers, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            var stream = new NetworkStream(socket, ownsSocket: false);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = new StringBuilder()
                .Append($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .Append($"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n");
            if (offers is { Count: > 0 })
            {
                request.Append($"Sec-WebSocket-Extensions: {string.Join(", ", offers.Select(o => o.ToHeaderElement()))}\r\n");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(request.Append("\r\n").ToString()), cancellationToken);
            var (head, leftover) = await ReadResponseHeadAsync(stream, cancellationToken);
            var lines = head.Split("\r\n");
            if (!lines[0].StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The server answered the upgrade with '{lines[0]}'.");
            }

            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(p => p[1].Trim())), StringComparer.OrdinalIgnoreCase);
            var expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            if (!headers.TryGetValue("Sec-WebSocket-Accept", out var accept) || accept != expectedAccept)
            {
                throw new InvalidOperationException("The server's Sec-WebSocket-Accept does not match the key.");
            }

            var deflate = offers is { Count: > 0 } ? DeflateAgreement.Parse(headers.GetValueOrDefault("Sec-WebSocket-Extensions")) : null;
            var client = new FuzzingClient(socket, stream, leftover, deflate, cancellationToken);
            client._readLoop = client.ReadLoopAsync();
            return client;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, the connection ends, or <paramref name="timeout"/> passes.</summary>
    /// <param name="condition">Checked after every change (event, close frame, end of TCP).</param>
    /// <param name="timeout">The longest wait.</param>
    /// <returns>Whether the condition held.</returns>
    public async Task<bool> WaitUntilAsync(Func<FuzzingClient, bool> condition, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_readCancel.Token);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(this))
                {
                    return true;
                }

                if (Ended)
                {
                    return false;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    return condition(this);
                }
            }
        }
    }

    /// <summary>Records that a wait of the script ran out with the connection still open (Autobahn's <c>("timeout", label)</c>).</summary>
    /// <param name="label">The label.</param>
    public void RecordTimeout(string label) => Changed(() => _received.Add(CaseEvent.Timeout(label)));

    /// <summary>Drops the TCP connection (if it is still up), as Autobahn's <c>killAfter</c> / <c>dropConnection</c> do.</summary>
    /// <returns>A task that completes when the read loop has ended.</returns>
    public async Task DropAsync()
    {
        lock (_gate)
        {
            if (!Ended)
            {
                DroppedByMe = true;
                EndReason ??= "TCP dropped by client";
            }
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Close();
        await _readLoop;
    }

    /// <summary>Drops the connection if it is up and releases everything.</summary>
    /// <returns>A task that completes when the client is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _readCancel.CancelAsync();
        if (!Ended)
        {
            await DropAsync();
        }

        await _readLoop;
        _readCancel.Dispose();
        _socket.Dispose();
        _writeLock.Dispose();
        _deflater?.Dispose();
        _inflater?.Dispose();
    }

    private static async Task<(string Head, byte[] Leftover)> ReadResponseHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        while (true)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (n == 0)
            {
                throw new InvalidOperationException("The server closed the connection during the upgrade.");
            }

            length += n;
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(buffer, 0, end), buffer.AsSpan(end + 4, length - end - 4).ToArray());
            }

            if (length == buffer.Length)
            {
                throw new InvalidOperationException("The upgrade response head is too long.");
            }
        }
    }

    private void Changed(Action change)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            change();
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
