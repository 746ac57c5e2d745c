using System.Net.WebSockets;

namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>The echo backend every target talks to: echoes each frame back with its type and end-of-message flag.</summary>
internal static class EchoServer
{
    public static Task RunAsync(int port, TimeSpan maxLifetime)
    {
        var builder = HostCommon.CreateBuilder(port);
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Map("/ws/{**rest}", EchoAsync);
        return HostCommon.RunAsync(app, maxLifetime);
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (context.Request.Path.Value?.EndsWith("/bulk", StringComparison.Ordinal) == true)
        {
            await BulkEchoServer.EchoAsync(context);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer went away.
        }
    }
}
