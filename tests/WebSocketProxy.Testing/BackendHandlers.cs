using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Testing;

/// <summary>Behaviours for <see cref="TestBackend"/>.</summary>
public static class BackendHandlers
{
    /// <summary>Accepts (choosing the first offered subprotocol) and echoes every frame with its type and end-of-message flag; answers a close with the same close.</summary>
    /// <param name="backend">The backend (counts sockets, records closes).</param>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes when the connection ended.</returns>
    public static Task Echo(TestBackend backend, HttpContext context) => EchoWith(null)(backend, context);

    /// <summary>Like <see cref="Echo"/>, with the subprotocol chosen by <paramref name="chooseProtocol"/> from the offered ones.</summary>
    /// <param name="chooseProtocol">Picks the subprotocol to accept (null to accept none); null for the first offered.</param>
    /// <returns>The handler.</returns>
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

    /// <summary>Echoes every frame of an accepted socket until the close (answered with the same close) or a dropped connection.</summary>
    /// <param name="backend">The backend whose <see cref="TestBackend.ClosesReceived"/> and <see cref="TestBackend.FirstClose"/> record the end.</param>
    /// <param name="socket">The accepted socket.</param>
    /// <returns>A task that completes when the connection ended.</returns>
    public static async Task EchoLoopAsync(TestBackend backend, WebSocket socket)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(socket);
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

    /// <summary>
    /// Receives whole messages of an accepted socket and hands each to <paramref name="onMessage"/> until the close
    /// (answered with the same close) or a dropped connection.
    /// </summary>
    /// <param name="backend">The backend whose <see cref="TestBackend.ClosesReceived"/> and <see cref="TestBackend.FirstClose"/> record the end.</param>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="onMessage">Called with every data message, in order.</param>
    /// <returns>A task that completes when the connection ended.</returns>
    public static async Task MessageLoopAsync(TestBackend backend, WebSocket socket, Func<Received, Task> onMessage)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(onMessage);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveMessageAsync(CancellationToken.None);
                if (received.Type == WebSocketMessageType.Close)
                {
                    backend.ClosesReceived.Enqueue((received.CloseStatus, received.CloseDescription));
                    backend.FirstClose.TrySetResult((received.CloseStatus, received.CloseDescription));
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(received.CloseStatus ?? WebSocketCloseStatus.Empty, received.CloseDescription, CancellationToken.None);
                    }

                    return;
                }

                await onMessage(received);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            backend.FirstClose.TrySetResult(null);
        }
    }

    /// <summary>Refuses the upgrade with a status and optional headers.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="headers">Response headers to add.</param>
    /// <returns>The handler.</returns>
    public static Func<TestBackend, HttpContext, Task> Refuse(int status, params (string Name, string Value)[] headers) => (_, context) =>
    {
        context.Response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        return context.Response.WriteAsync("refused by backend");
    };

    /// <summary>Accepts, then runs <paramref name="session"/> with the socket, counted in <see cref="TestBackend.ActiveSockets"/>.</summary>
    /// <param name="session">What the backend does with the accepted socket.</param>
    /// <returns>The handler.</returns>
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
