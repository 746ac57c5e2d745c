using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace WebSocketProxy.RealtimeTests.Routing;

/// <summary>Opens a WebSocket to any host name (e.g. <c>ws.example.com</c>) while the TCP connection goes to 127.0.0.1.</summary>
internal static class LoopbackClient
{
    /// <summary>Connects and returns the first message the backend sent (its name), or the HTTP status of a refused handshake.</summary>
    public static async Task<(int Status, string? Backend)> FirstMessageAsync(Uri uri, int loopbackPort, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, loopbackPort), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        foreach (var (header, value) in headers ?? new Dictionary<string, string>())
        {
            client.Options.SetRequestHeader(header, value);
        }

        try
        {
            await client.ConnectAsync(uri, invoker, cancellationToken);
        }
        catch (WebSocketException)
        {
            return ((int)client.HttpStatusCode, null);
        }

        var buffer = new byte[1024];
        var result = await client.ReceiveAsync(buffer, cancellationToken);
        var backend = result.MessageType == WebSocketMessageType.Text ? Encoding.UTF8.GetString(buffer, 0, result.Count) : null;
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        return (101, backend);
    }
}
