using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>
/// A local stand-in for OpenAI's Realtime API on 127.0.0.1:0 (<c>GET /v1/realtime?model=…</c> upgraded to a WebSocket),
/// speaking the documented server events: <c>session.created</c> on connect; for <c>response.create</c>,
/// <c>response.created</c>, two <c>response.output_text.delta</c> and <c>response.done</c> with usage.
/// With <c>acceptWhen</c>, each handshake is held until that task completes.
/// </summary>
public sealed class FakeRealtimeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRealtimeServer(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.First();
    }

    public string BaseUrl { get; }

    /// <summary>Gets each handshake's query string and headers.</summary>
    public ConcurrentQueue<(string Query, IReadOnlyDictionary<string, string> Headers)> Handshakes { get; } = new();

    /// <summary>Gets the client events the server received, in order.</summary>
    public ConcurrentQueue<string> ClientEvents { get; } = new();

    public static async Task<FakeRealtimeServer> StartAsync(int inputTokens = 40, int outputTokens = 80, Task? acceptWhen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        FakeRealtimeServer? server = null;
        app.Map("/v1/realtime", async context =>
        {
            server!.Handshakes.Enqueue((context.Request.QueryString.Value ?? string.Empty, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            if (acceptWhen is not null)
            {
                await acceptWhen.WaitAsync(context.RequestAborted);
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await server.ServeAsync(socket, context.Request.Query["model"].ToString(), inputTokens, outputTokens, context.RequestAborted);
        });
        await app.StartAsync();
        server = new FakeRealtimeServer(app);
        return server;
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

    private static Task SendAsync(WebSocket socket, object value, CancellationToken ct)
        => socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(value), WebSocketMessageType.Text, true, ct);

    private async Task ServeAsync(WebSocket socket, string model, int inputTokens, int outputTokens, CancellationToken ct)
    {
        await SendAsync(socket, new { type = "session.created", event_id = "event_1", session = new { id = "sess_1", @object = "realtime.session", model } }, ct);
        var buffer = new byte[64 * 1024];
        var responses = 0;
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, ct);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var text = Encoding.UTF8.GetString(message.ToArray());
                ClientEvents.Enqueue(text);
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.GetProperty("type").GetString() != "response.create")
                {
                    continue;
                }

                var id = "resp_" + ++responses;
                await SendAsync(socket, new { type = "response.created", event_id = "event_c" + responses, response = new { id, @object = "realtime.response", status = "in_progress" } }, ct);
                foreach (var delta in (string[])["Hello", " there"])
                {
                    await SendAsync(socket, new { type = "response.output_text.delta", event_id = "event_d", response_id = id, item_id = "item_1", output_index = 0, content_index = 0, delta }, ct);
                }

                await SendAsync(socket, new
                {
                    type = "response.done",
                    event_id = "event_done" + responses,
                    response = new
                    {
                        id,
                        @object = "realtime.response",
                        status = "completed",
                        usage = new
                        {
                            total_tokens = inputTokens + outputTokens,
                            input_tokens = inputTokens,
                            output_tokens = outputTokens,
                            input_token_details = new { cached_tokens = 0, text_tokens = inputTokens, audio_tokens = 0 },
                            output_token_details = new { text_tokens = outputTokens, audio_tokens = 0 },
                        },
                    },
                }, ct);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }
}
