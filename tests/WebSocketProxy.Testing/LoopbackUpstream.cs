using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Testing;

/// <summary>A fake model provider on Kestrel 127.0.0.1:0 that replays fixtures in small chunks and records what it saw.</summary>
public sealed class LoopbackUpstream : IAsyncDisposable
{
    private readonly TaskCompletionSource<DateTimeOffset> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LoopbackHost? _host;

    private LoopbackUpstream()
    {
    }

    /// <summary>The <see cref="HttpContext.Items"/> key of the request body (already read when a handler runs).</summary>
    public const string BodyItem = "LoopbackUpstream.Body";

    /// <summary>Gets the base URL, e.g. <c>http://127.0.0.1:12345</c> (no trailing slash).</summary>
    public string BaseUrl => Host.HttpBase.GetLeftPart(UriPartial.Authority);

    /// <summary>Gets every request received, in order.</summary>
    public ConcurrentQueue<UpstreamRequest> Requests { get; } = new();

    /// <summary>Gets a task that completes when a request's <see cref="HttpContext.RequestAborted"/> fired (the gateway closed the connection).</summary>
    public Task<DateTimeOffset> Aborted => _aborted.Task;

    /// <summary>Gets a task that completes when the first request arrived.</summary>
    public Task Received => _received.Task;

    /// <summary>Gets chunk sizes of 1–7 bytes: splits inside <c>data:</c> prefixes, JSON tokens, line ends and UTF-8 sequences.</summary>
    public static int[] AwkwardChunks { get; } = [1, 3, 7, 2, 5, 1, 4, 6];

    private LoopbackHost Host => _host ?? throw new InvalidOperationException("The upstream has not started.");

    /// <summary>Starts an upstream that records each request (path, body, headers), then hands it to <paramref name="handler"/>.</summary>
    /// <param name="handler">Answers every request, e.g. <see cref="ReplayFixture"/>; an abort by the client is not an error.</param>
    /// <returns>The started upstream.</returns>
    public static async Task<LoopbackUpstream> StartAsync(Func<HttpContext, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var upstream = new LoopbackUpstream();
        upstream._host = await LoopbackHost.StartAsync(app => app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            context.Items[BodyItem] = body;
            upstream.Requests.Enqueue(new UpstreamRequest(context.Request.Path + context.Request.QueryString, body, headers));
            context.RequestAborted.Register(() => upstream._aborted.TrySetResult(DateTimeOffset.UtcNow));
            upstream._received.TrySetResult();
            try
            {
                await handler(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
            catch (IOException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
        }));
        upstream._host.StopTimeout = TimeSpan.FromSeconds(5);
        return upstream;
    }

    /// <summary>Writes <paramref name="body"/> in chunks whose sizes cycle through <paramref name="chunkSizes"/>, flushing each.</summary>
    /// <param name="body">The response body.</param>
    /// <param name="contentType">The response content type.</param>
    /// <param name="chunkSizes">The sizes of successive writes, repeated.</param>
    /// <param name="status">The response status.</param>
    /// <param name="headers">Response headers to add.</param>
    /// <returns>The handler.</returns>
    public static Func<HttpContext, Task> Replay(byte[] body, string contentType, int[] chunkSizes, int status = 200, IReadOnlyDictionary<string, string>? headers = null)
        => async context =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            if (headers is not null)
            {
                foreach (var (name, value) in headers)
                {
                    context.Response.Headers[name] = value;
                }
            }

            await context.Response.StartAsync(context.RequestAborted);
            var offset = 0;
            var i = 0;
            while (offset < body.Length)
            {
                var size = Math.Min(chunkSizes[i++ % chunkSizes.Length], body.Length - offset);
                await context.Response.Body.WriteAsync(body.AsMemory(offset, size), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                offset += size;
            }
        };

    /// <summary>Replays one of the <see cref="LlmFixtures"/> as SSE (or NDJSON for <c>.ndjson</c>, JSON for <c>.json</c>), by default in <see cref="AwkwardChunks"/>.</summary>
    /// <param name="name">The fixture's file name.</param>
    /// <param name="status">The response status.</param>
    /// <param name="headers">Response headers to add.</param>
    /// <param name="chunkSizes">The sizes of successive writes; <see cref="AwkwardChunks"/> when null.</param>
    /// <returns>The handler.</returns>
    public static Func<HttpContext, Task> ReplayFixture(string name, int status = 200, IReadOnlyDictionary<string, string>? headers = null, int[]? chunkSizes = null)
    {
        var contentType = name.EndsWith(".ndjson", StringComparison.Ordinal) ? "application/x-ndjson"
            : name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "text/event-stream";
        return Replay(LlmFixtures.Read(name), contentType, chunkSizes ?? AwkwardChunks, status, headers);
    }

    /// <summary>The SSE body of an OpenAI chat stream that yields the given deltas, then a finish reason, usage and <c>[DONE]</c>.</summary>
    /// <param name="deltas">The text deltas, in order.</param>
    /// <param name="finishReason">The finish reason of the last choice.</param>
    /// <param name="usage">Whether a usage chunk (11 in, 7 out, 3 cached) follows.</param>
    /// <returns>The body.</returns>
    public static byte[] OpenAIChatStream(IEnumerable<string> deltas, string finishReason = "stop", bool usage = true)
    {
        var sb = new StringBuilder();
        sb.Append(": keep-alive comment\n\n");
        foreach (var delta in deltas)
        {
            sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":")
                .Append(System.Text.Json.JsonSerializer.Serialize(delta))
                .Append("},\"finish_reason\":null}]}\n\n");
        }

        sb.Append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"").Append(finishReason).Append("\"}]}\n\n");
        if (usage)
        {
            sb.Append("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18,\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\n");
        }

        sb.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Stops the upstream.</summary>
    /// <returns>A task that completes when the upstream is stopped.</returns>
    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;
}
