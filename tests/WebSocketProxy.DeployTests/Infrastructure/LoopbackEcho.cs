using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>
/// A WebSocket echo backend on 127.0.0.1:0 in the test process. Counts the messages it received per <c>?id=</c>, and
/// answers a close with the same status.
/// </summary>
public sealed class LoopbackEcho : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackEcho(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Messages received per session id.</summary>
    public ConcurrentDictionary<string, int> Received { get; } = new();

    /// <summary>Close statuses received per session id.</summary>
    public ConcurrentDictionary<string, WebSocketCloseStatus?> Closes { get; } = new();

    /// <summary>The HTTP protocol of every upgrade request (HTTP/1.1, HTTP/2).</summary>
    public ConcurrentQueue<string> Protocols { get; } = new();

    public Uri WsUri(string path = "/echo") => new($"ws://127.0.0.1:{Port}{path}");

    public static async Task<LoopbackEcho> StartAsync(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = protocols));
        var app = builder.Build();
        app.UseWebSockets();
        LoopbackEcho? echo = null;
        app.Run(context => echo!.HandleAsync(context));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        echo = new LoopbackEcho(app, port);
        return echo;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Protocols.Enqueue(context.Request.Protocol);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.WriteAsync("echo");
            return;
        }

        var id = context.Request.Query["id"].ToString();
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Closes[id] = socket.CloseStatus;
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                if (result.EndOfMessage)
                {
                    Received.AddOrUpdate(id, 1, static (_, count) => count + 1);
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The proxy went away.
        }
    }
}
