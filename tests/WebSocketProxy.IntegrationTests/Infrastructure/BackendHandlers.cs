using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>Behaviours for <see cref="TestBackend"/>.</summary>
public static class BackendHandlers
{
    /// <summary>Accepts (choosing the first offered subprotocol) and echoes every frame with its type and end-of-message flag; answers a close with the same close.</summary>
    public static Task Echo(TestBackend backend, HttpContext context) => EchoWith(null)(backend, context);

    public static Func<TestBackend, HttpContext, Task> EchoWith(Func<IList<string>, string?>? chooseProtocol) => async (backend, context) =>
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var protocol = chooseProtocol is null ? (offered.Count > 0 ? offered[0] : null) : chooseProtocol(offered);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        Interlocked.Increment(ref backend.ActiveSockets);
        try
        {
            await EchoLoopAsync(backend, socket);
        }
        finally
        {
            Interlocked.Decrement(ref backend.ActiveSockets);
        }
    };

    public static async Task EchoLoopAsync(TestBackend backend, WebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    backend.ClosesReceived.Enqueue((socket.CloseStatus, socket.CloseStatusDescription));
                    backend.FirstClose.TrySetResult((socket.CloseStatus, socket.CloseStatusDescription));
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatusDescription, CancellationToken.None);
                    }

                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            backend.FirstClose.TrySetResult(null);
        }
    }

    /// <summary>Refuses the upgrade with a status and optional headers.</summary>
    public static Func<TestBackend, HttpContext, Task> Refuse(int status, params (string Name, string Value)[] headers) => (_, context) =>
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        return context.Response.WriteAsync("refused by backend");
    };

    /// <summary>Accepts, then runs <paramref name="session"/> with the socket.</summary>
    public static Func<TestBackend, HttpContext, Task> Accept(Func<TestBackend, WebSocket, HttpContext, Task> session) => async (backend, context) =>
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref backend.ActiveSockets);
        try
        {
            await session(backend, socket, context);
        }
        finally
        {
            Interlocked.Decrement(ref backend.ActiveSockets);
        }
    };
}
