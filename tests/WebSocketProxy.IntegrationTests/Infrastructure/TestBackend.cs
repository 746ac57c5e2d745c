using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>What a backend saw of one handshake.</summary>
public sealed record HandshakeRecord(string Path, string Query, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> RequestedProtocols);

/// <summary>A real Kestrel WebSocket backend on 127.0.0.1:0. Records every handshake; the handler decides what to do.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<HandshakeRecord> Handshakes { get; } = new();

    /// <summary>Close statuses the backend received from the proxy, in order.</summary>
    public ConcurrentQueue<(WebSocketCloseStatus? Status, string? Description)> ClosesReceived { get; } = new();

    /// <summary>Completes with the close the backend received from the proxy, or with null when the connection dropped without one.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)?> FirstClose { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int ActiveSockets;

    public Uri WsUri(string path = "/ws") => new($"ws://127.0.0.1:{Port}{path}");

    public static Task<TestBackend> StartEchoAsync() => StartAsync(BackendHandlers.Echo);

    public static async Task<TestBackend> StartAsync(Func<TestBackend, HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.UseWebSockets();
        TestBackend? backend = null;
        app.Run(context =>
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in context.Request.Headers)
            {
                headers[name] = value.ToString();
            }

            backend!.Handshakes.Enqueue(new HandshakeRecord(context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, headers, [.. context.WebSockets.WebSocketRequestedProtocols]));
            return handler(backend, context);
        });
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        backend = new TestBackend(app, port);
        return backend;
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
