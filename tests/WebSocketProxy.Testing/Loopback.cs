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
