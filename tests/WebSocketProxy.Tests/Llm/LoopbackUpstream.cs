using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.Tests.Llm;

/// <summary>A request the loopback upstream received.</summary>
public sealed record UpstreamRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>A fake model provider on Kestrel 127.0.0.1:0 that replays fixtures in small chunks and records what it saw.</summary>
public sealed class LoopbackUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource<DateTimeOffset> _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LoopbackUpstream(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.First();
    }

    /// <summary>The <see cref="HttpContext.Items"/> key of the request body (already read when a handler runs).</summary>
    public const string BodyItem = "LoopbackUpstream.Body";

    /// <summary>Gets the base URL, e.g. <c>http://127.0.0.1:12345</c>.</summary>
    public string BaseUrl { get; }

    public ConcurrentQueue<UpstreamRequest> Requests { get; } = new();

    /// <summary>Completes when a request's <see cref="HttpContext.RequestAborted"/> fired (the gateway closed the connection).</summary>
    public Task<DateTimeOffset> Aborted => _aborted.Task;

    /// <summary>Completes when the first request arrived.</summary>
    public Task Received => _received.Task;

    /// <summary>The directory holding the fixture files (copied to the test output).</summary>
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Llm", "Fixtures");

    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(FixtureDirectory, name));

    public static async Task<LoopbackUpstream> StartAsync(Func<HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        LoopbackUpstream? upstream = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            context.Items[BodyItem] = body;
            upstream!.Requests.Enqueue(new UpstreamRequest(context.Request.Path + context.Request.QueryString, body, headers));
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
        });
        await app.StartAsync();
        upstream = new LoopbackUpstream(app);
        return upstream;
    }

    /// <summary>Writes <paramref name="body"/> in chunks whose sizes cycle through <paramref name="chunkSizes"/>, flushing each.</summary>
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

    /// <summary>Replays a fixture file as SSE (or NDJSON for <c>.ndjson</c>, JSON for <c>.json</c>) in 1–7 byte chunks.</summary>
    public static Func<HttpContext, Task> ReplayFixture(string name, int status = 200, IReadOnlyDictionary<string, string>? headers = null, int[]? chunkSizes = null)
    {
        var contentType = name.EndsWith(".ndjson", StringComparison.Ordinal) ? "application/x-ndjson"
            : name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "text/event-stream";
        return Replay(Fixture(name), contentType, chunkSizes ?? AwkwardChunks, status, headers);
    }

    /// <summary>Chunk sizes 1–7 bytes: splits inside <c>data:</c> prefixes, JSON tokens, line ends and UTF-8 sequences.</summary>
    public static int[] AwkwardChunks { get; } = [1, 3, 7, 2, 5, 1, 4, 6];

    /// <summary>Sends the SSE lines of an OpenAI chat stream that yields the given deltas.</summary>
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
