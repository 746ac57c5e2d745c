using System.Net.WebSockets;
using System.Text;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>Client-side helpers; every call is bounded by the token it gets.</summary>
public static class Ws
{
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null, HttpMessageInvoker? invoker = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, invoker, cancellationToken);
        return socket;
    }

    /// <summary>Tries to connect and returns the HTTP status the server answered (101 on success; the socket is then dropped).</summary>
    public static async Task<(int Status, string? RetryAfter)> TryConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
            socket.Abort();
            return (101, null);
        }
        catch (WebSocketException)
        {
            var retryAfter = socket.HttpResponseHeaders?.TryGetValue("Retry-After", out var values) == true ? string.Join(",", values) : null;
            return ((int)socket.HttpStatusCode, retryAfter);
        }
    }

    public static Task SendTextAsync(this WebSocket socket, string text, CancellationToken cancellationToken)
        => socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Receives one whole text message, or null when the close arrived instead.</summary>
    public static async Task<string?> ReceiveTextAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var data = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(data.ToArray());
            }
        }
    }
}
