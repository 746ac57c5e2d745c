using System.Buffers;
using System.Net.WebSockets;

namespace WebSocketProxy.Gateway;

/// <summary>
/// A WebSocket echo endpoint (<c>Gateway:EchoPath</c>, off by default): every message comes back with its type, and a
/// close with its status. When the host stops it closes its sessions with 1001. Lets one image play the demo backends.
/// </summary>
internal static class EchoEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This is a WebSocket echo endpoint.");
            return;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(requested.Count > 0 ? requested[0] : null);
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await using var onStop = stopping.Register(static state => _ = CloseAsync((WebSocket)state!, WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"), socket);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseAsync(socket, socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription);
                    return;
                }

                if (socket.State is WebSocketState.Open)
                {
                    await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The peer went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string? description)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, description, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing raced with the peer's close or an abort.
        }
    }
}
