using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Testing;

/// <summary>A real Kestrel WebSocket backend on 127.0.0.1:0. Records every request; the handler decides what to do.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    /// <summary>The number of WebSockets the backend holds open right now (handlers from <see cref="BackendHandlers"/> keep it).</summary>
    /// <remarks>A field so tests can read it with <c>Volatile.Read</c> or <c>Interlocked</c>.</remarks>
    public int ActiveSockets;

    private LoopbackHost? _host;

    private TestBackend()
    {
    }

    /// <summary>Gets the port the backend listens on.</summary>
    public int Port => Host.Port;

    /// <summary>Gets every request the backend received, in order.</summary>
    public ConcurrentQueue<HandshakeRecord> Handshakes { get; } = new();

    /// <summary>Gets the close statuses the backend received from its peer, in order.</summary>
    public ConcurrentQueue<(WebSocketCloseStatus? Status, string? Description)> ClosesReceived { get; } = new();

    /// <summary>Gets a source that completes with the first close the backend received, or with null when a connection dropped without one.</summary>
    public TaskCompletionSource<(WebSocketCloseStatus? Status, string? Description)?> FirstClose { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackHost Host => _host ?? throw new InvalidOperationException("The backend has not started.");

    /// <summary>The WebSocket address of <paramref name="path"/> on this backend.</summary>
    /// <param name="path">The path (and query).</param>
    /// <returns>The URI, e.g. <c>ws://127.0.0.1:12345/ws</c>.</returns>
    public Uri WsUri(string path = "/ws") => Host.Ws(path);

    /// <summary>Starts a backend that echoes every frame (<see cref="BackendHandlers.Echo"/>).</summary>
    /// <returns>The started backend.</returns>
    public static Task<TestBackend> StartEchoAsync() => StartAsync(BackendHandlers.Echo);

    /// <summary>Starts a backend that records each request, then hands it to <paramref name="handler"/>.</summary>
    /// <param name="handler">Answers every request (see <see cref="BackendHandlers"/>).</param>
    /// <returns>The started backend.</returns>
    public static async Task<TestBackend> StartAsync(Func<TestBackend, HttpContext, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var backend = new TestBackend();
        backend._host = await LoopbackHost.StartAsync(app =>
        {
            app.UseWebSockets();
            app.Run(context =>
            {
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var (name, value) in context.Request.Headers)
                {
                    headers[name] = value.ToString();
                }

                backend.Handshakes.Enqueue(new HandshakeRecord(context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty, headers, [.. context.WebSockets.WebSocketRequestedProtocols]));
                return handler(backend, context);
            });
        });
        backend._host.StopTimeout = TimeSpan.FromSeconds(5);
        return backend;
    }

    /// <summary>Stops the backend.</summary>
    /// <returns>A task that completes when the backend is stopped.</returns>
    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;
}
