using System.Net.WebSockets;

namespace WebSocketProxy.Sample;

/// <summary>
/// The sample's built-in backend: a separate Kestrel server in the same process that echoes every
/// message back with its type, so the gateway works with no other process running.
/// </summary>
internal static class EchoBackend
{
    public static async Task<WebApplication> StartAsync(string url)
    {
        // Its own empty content root: the gateway's appsettings.json (URLs, logging) is not for it.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws/{**rest}", EchoAsync);
        app.MapGet("/health", () => "ok");
        await app.StartAsync();
        return app;
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var protocol = context.WebSockets.WebSocketRequestedProtocols.Count > 0 ? context.WebSockets.WebSocketRequestedProtocols[0] : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        var buffer = new byte[16 * 1024];
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
            // The gateway went away; nothing to clean up beyond the socket.
        }
    }
}
