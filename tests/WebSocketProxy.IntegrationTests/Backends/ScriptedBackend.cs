using System.Net;
using System.Net.Sockets;
using WebSocketProxy.IntegrationTests.Hardening;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// A backend on a bare TCP listener (127.0.0.1:0) that reads each upgrade request head and answers with whatever the test
/// scripts: a broken status line, a wrong <c>Sec-WebSocket-Accept</c>, endless headers, or nothing at all.
/// </summary>
public sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<string, NetworkStream, CancellationToken, Task> _respond;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _connections = [];
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;

    private ScriptedBackend(TcpListener listener, Func<string, NetworkStream, CancellationToken, Task> respond)
    {
        _listener = listener;
        _respond = respond;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Gets the request heads received, in order.</summary>
    public List<string> Requests { get; } = [];

    public Uri WsUri(string path = "/ws") => new($"ws://127.0.0.1:{Port}{path}");

    /// <summary>Starts a backend whose <paramref name="respond"/> gets each request head and the connection's stream.</summary>
    public static ScriptedBackend Start(Func<string, NetworkStream, CancellationToken, Task> respond)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new ScriptedBackend(listener, respond);
    }

    /// <summary>A backend that answers every request with <paramref name="response"/> (given the request's key), then waits for the peer to close.</summary>
    public static ScriptedBackend Answering(Func<string, string> response) => Start(async (head, stream, ct) =>
    {
        var key = RawFrames.HeaderValues(head, "Sec-WebSocket-Key").FirstOrDefault() ?? string.Empty;
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(response(key)), ct);
        await UntilPeerClosesAsync(stream, ct);
    });

    /// <summary>Reads and discards until the peer closes the connection (or the backend stops).</summary>
    public static async Task UntilPeerClosesAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, cancellationToken) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        Task[] sessions;
        lock (_connections)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var tcp = await _listener.AcceptTcpClientAsync(_stopping.Token);
            lock (_connections)
            {
                _connections.Add(tcp);
                _sessions.Add(RunAsync(tcp));
            }
        }
    }

    private async Task RunAsync(TcpClient tcp)
    {
        try
        {
            var stream = tcp.GetStream();
            var head = await RawFrames.ReadHeadAsync(stream, _stopping.Token);
            lock (Requests)
            {
                Requests.Add(head);
            }

            await _respond(head, stream, _stopping.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            tcp.Dispose();
        }
    }
}
