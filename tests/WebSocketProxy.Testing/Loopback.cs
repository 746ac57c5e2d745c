using System.Net;
using System.Net.Sockets;

namespace WebSocketProxy.Testing;

/// <summary>Loopback addresses where nothing listens.</summary>
public static class Loopback
{
    /// <summary>A port on <c>127.0.0.1</c> that was free a moment ago: connecting to it is refused.</summary>
    /// <returns>The port number.</returns>
    public static int UnusedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>A WebSocket address on an <see cref="UnusedPort"/>: connection refused.</summary>
    /// <param name="path">The path of the address.</param>
    /// <returns>The URI, e.g. <c>ws://127.0.0.1:12345/ws</c>.</returns>
    public static Uri DeadAddress(string path = "/ws") => new($"ws://127.0.0.1:{UnusedPort()}{path}");
}

/// <summary>A listener on <c>127.0.0.1</c> that accepts connections and never says anything: a backend that hangs in its handshake.</summary>
public sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Starts listening and accepting.</summary>
    public SilentListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    /// <summary>Gets the port it listens on.</summary>
    public int Port { get; }

    /// <summary>Stops listening and closes what it accepted.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            _accepted.ForEach(s => s.Dispose());
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token); // accept, read nothing, answer nothing
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
