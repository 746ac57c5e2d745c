using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// A backend shaped like a real-time framework: <c>POST …/negotiate</c> hands out a connection token (SignalR's shape,
/// with a fixed Content-Length), a plain request answers the backend's name, and a WebSocket sends the name as its first message.
/// </summary>
internal static class RealtimeBackend
{
    public static Task<TestBackend> StartAsync(string name) => TestBackend.StartAsync(async (_, context) =>
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(Encoding.UTF8.GetBytes(name), WebSocketMessageType.Text, true, context.RequestAborted);
            var buffer = new byte[1024];
            try
            {
                while ((await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close)
                {
                }

                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The proxy went away.
            }

            return;
        }

        var body = context.Request.Path.Value!.EndsWith("/negotiate", StringComparison.Ordinal) && HttpMethods.IsPost(context.Request.Method)
            ? $"{{\"negotiateVersion\":1,\"connectionId\":\"{name}-id\",\"connectionToken\":\"{name}-{Guid.NewGuid():N}\",\"availableTransports\":[]}}"
            : name;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/plain";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    });

    /// <summary>The name of the backend a token was issued by (tokens are <c>name-guid</c>).</summary>
    public static string IssuerOf(string token) => token[..token.LastIndexOf('-')];
}
