using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.RealtimeTests.Routing;

/// <summary>A WebSocket backend on 127.0.0.1:0 that sends its name as the first message, then waits for the close.</summary>
internal sealed class NameBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private NameBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
        Address = new Uri($"ws://127.0.0.1:{new Uri(app.Urls.First()).Port}/");
    }

    public string Name { get; }

    public Uri Address { get; }

    public static async Task<NameBackend> StartAsync(string name, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                await context.Response.WriteAsync(name, context.RequestAborted);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(Encoding.UTF8.GetBytes(name), WebSocketMessageType.Text, true, context.RequestAborted);
            var buffer = new byte[1024];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                        return;
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The proxy went away.
            }
        });
        await app.StartAsync(cancellationToken);
        return new NameBackend(name, app);
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
}
