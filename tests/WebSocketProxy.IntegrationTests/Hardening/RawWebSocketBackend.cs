using WebSocketProxy.Testing;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// A WebSocket backend on a bare TCP listener (127.0.0.1:0): completes the upgrade by hand and then hands the
/// connection to the test, which sees every frame the proxy sends (pings included) and answers nothing by itself.
/// </summary>
public sealed class RawWebSocketBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly List<TcpClient> _connections = [];
    private readonly TaskCompletionSource<NetworkStream> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RawWebSocketBackend(TcpListener listener)
    {
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public Uri WsUri(string path = "/ws") => new($"ws://127.0.0.1:{Port}{path}");

    /// <summary>Completes with the first upgraded connection's stream, positioned at its first frame.</summary>
    public Task<NetworkStream> FirstConnection => _first.Task;

    public static RawWebSocketBackend Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new RawWebSocketBackend(listener);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

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
            }

            var stream = tcp.GetStream();
            var head = await RawFrames.ReadHeadAsync(stream, _stopping.Token);
            var key = RawFrames.HeaderValues(head, "Sec-WebSocket-Key").FirstOrDefault() ?? string.Empty;
            var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + RawFrames.AcceptFor(key) + "\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stopping.Token);
            _first.TrySetResult(stream);
        }
    }
}
