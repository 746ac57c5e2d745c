using System.Net.WebSockets;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>One whole message, or the close, as a client received it.</summary>
public sealed record Received(WebSocketMessageType Type, byte[] Data, WebSocketCloseStatus? CloseStatus = null, string? CloseDescription = null)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}

/// <summary>Client-side helpers; every call is bounded by the token it gets.</summary>
public static class Ws
{
    /// <summary>A token that cancels after <paramref name="seconds"/> or when xunit cancels the test.</summary>
    public static CancellationToken Timeout(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, cancellationToken);
        return socket;
    }

    /// <summary>Tries to connect and returns the HTTP status the server answered (101 on success; the socket is then closed).</summary>
    public static async Task<(int Status, IReadOnlyDictionary<string, IEnumerable<string>>? Headers)> TryConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
            socket.Abort();
            return (101, socket.HttpResponseHeaders);
        }
        catch (WebSocketException)
        {
            return ((int)socket.HttpStatusCode, socket.HttpResponseHeaders);
        }
    }

    public static Task SendTextAsync(this WebSocket socket, string text, CancellationToken cancellationToken)
        => socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Receives one whole message (or the close).</summary>
    public static async Task<Received> ReceiveMessageAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var data = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Received(WebSocketMessageType.Close, [], socket.CloseStatus, socket.CloseStatusDescription);
            }

            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return new Received(result.MessageType, data.ToArray());
            }
        }
    }

    /// <summary>Receives until the close frame arrives, discarding messages, and returns it.</summary>
    public static async Task<Received> ReceiveCloseAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await socket.ReceiveMessageAsync(cancellationToken);
            if (message.Type == WebSocketMessageType.Close)
            {
                return message;
            }
        }
    }
}
