using System.Net.WebSockets;
using Xunit;

namespace WebSocketProxy.Testing;

/// <summary>WebSocket client helpers; every call is bounded by the token it gets.</summary>
public static class Ws
{
    /// <summary>A token that cancels after <paramref name="seconds"/> or when xunit cancels the running test.</summary>
    /// <param name="seconds">The test's deadline.</param>
    /// <returns>The token.</returns>
    public static CancellationToken Timeout(int seconds = 20)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    /// <summary>Connects a <see cref="ClientWebSocket"/> that collects the HTTP response details.</summary>
    /// <param name="uri">The <c>ws://</c> address.</param>
    /// <param name="cancellationToken">Bounds the handshake.</param>
    /// <param name="configure">Sets headers, subprotocols and other options before connecting.</param>
    /// <returns>The open socket.</returns>
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        await socket.ConnectAsync(uri, cancellationToken);
        return socket;
    }

    /// <summary>Tries to connect and returns the HTTP status the server answered (101 on success; the socket is then aborted).</summary>
    /// <param name="uri">The <c>ws://</c> address.</param>
    /// <param name="cancellationToken">Bounds the handshake.</param>
    /// <param name="configure">Sets headers, subprotocols and other options before connecting.</param>
    /// <returns>The status and the response headers.</returns>
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

    /// <summary>Sends <paramref name="text"/> as one UTF-8 text message.</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="text">The message.</param>
    /// <param name="cancellationToken">Bounds the send.</param>
    /// <returns>A task that completes when the message was sent.</returns>
    public static Task SendTextAsync(this WebSocket socket, string text, CancellationToken cancellationToken)
        => socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Receives one whole message (or the close).</summary>
    /// <param name="socket">The socket.</param>
    /// <param name="cancellationToken">Bounds the receive.</param>
    /// <returns>The message, or the close with its status.</returns>
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
    /// <param name="socket">The socket.</param>
    /// <param name="cancellationToken">Bounds the receive.</param>
    /// <returns>The close.</returns>
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
