using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Llm;

/// <summary>
/// One client socket in LLM mode: reads <c>chat.request</c> / <c>chat.cancel</c> frames, runs requests concurrently, and
/// sends every frame through one writer (a bounded channel), so frames of concurrent requests never interleave mid-message.
/// </summary>
internal sealed partial class LlmSession
{
    private readonly WebSocket _socket;
    private readonly LlmChatProcessor _processor;
    private readonly LlmOptions _options;
    private readonly LlmRouteConfig _route;
    private readonly string _routePattern;
    private readonly string _user;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private readonly CancellationTokenSource _dead = new();
    private static readonly byte[] CloseSentinel = [];

    public LlmSession(WebSocket socket, LlmChatProcessor processor, LlmOptions options, LlmRouteConfig route, string routePattern, string user, ILogger logger)
    {
        _socket = socket;
        _processor = processor;
        _options = options;
        _route = route;
        _routePattern = routePattern;
        _user = user;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        var writer = WriteLoopAsync(aborted);
        (WebSocketCloseStatus Status, string Reason)? close = null;
        try
        {
            close = await ReceiveLoopAsync(aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            Log.ClientGone(_logger, _routePattern);
        }
        finally
        {
            foreach (var cts in _inFlight.Values)
            {
                CancelQuietly(cts);
            }

            await Task.WhenAll(_running.Keys);
            _outbox.Writer.TryComplete();
            await writer;
            if (close is { } c && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _socket.CloseAsync(c.Status, c.Reason, timeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    _socket.Abort();
                }
            }

            _dead.Dispose();
        }
    }

    /// <summary>The server is stopping: cancels every request (each gets <c>chat.cancelled</c>), then closes with 1001.</summary>
    public void Stop()
    {
        foreach (var cts in _inFlight.Values)
        {
            CancelQuietly(cts);
        }

        _ = StopAsync();

        async Task StopAsync()
        {
            await Task.WhenAll(_running.Keys);
            await SendAsync(CloseSentinel);
        }
    }

    /// <summary>Queues a frame; frames of one request keep their order. Dropped once the client is gone.</summary>
    public async ValueTask SendAsync(byte[] frame)
    {
        try
        {
            await _outbox.Writer.WriteAsync(frame, _dead.Token);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task WriteLoopAsync(CancellationToken aborted)
    {
        await foreach (var frame in _outbox.Reader.ReadAllAsync())
        {
            if (_dead.IsCancellationRequested)
            {
                continue;
            }

            try
            {
                if (ReferenceEquals(frame, CloseSentinel))
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", aborted);
                    continue;
                }

                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, aborted);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                _dead.Cancel();
            }
        }
    }

    private async Task<(WebSocketCloseStatus, string)?> ReceiveLoopAsync(CancellationToken aborted)
    {
        using var assembler = new MessageAssembler(_options.MaxMessageBytes, 4096);
        while (true)
        {
            var message = await assembler.ReceiveAsync(_socket, onFrame: null, aborted);
            if (message.IsClose)
            {
                return (WebSocketCloseStatus.NormalClosure, string.Empty);
            }

            if (message.IsTooBig)
            {
                return (WebSocketCloseStatus.MessageTooBig, "message too big");
            }

            if (message.MessageType == WebSocketMessageType.Binary)
            {
                return (WebSocketCloseStatus.InvalidMessageType, "llm.v1 frames are JSON text");
            }

            await HandleAsync(message.Payload, aborted);
        }
    }

    private async ValueTask HandleAsync(ReadOnlyMemory<byte> message, CancellationToken aborted)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message);
        }
        catch (JsonException)
        {
            await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, "The message is not valid JSON."));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var type = LlmHttp.GetString(root, "type");
            var id = LlmHttp.GetString(root, "id");
            if (type is not ("chat.request" or "chat.cancel"))
            {
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.BadRequest, $"Unknown message type '{type}' (expected chat.request or chat.cancel)."));
                return;
            }

            if (string.IsNullOrEmpty(id) || id.Length > 256)
            {
                await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, "'id' must be a non-empty string of at most 256 characters."));
                return;
            }

            if (type == "chat.cancel")
            {
                if (_inFlight.TryGetValue(id, out var cts))
                {
                    CancelQuietly(cts);
                }

                return;
            }

            var request = LlmClientRequest.Parse(root, id, out var error);
            if (request is null)
            {
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.BadRequest, error!));
                return;
            }

            if (_inFlight.Count >= _options.MaxConcurrentRequests)
            {
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.RateLimited, $"At most {_options.MaxConcurrentRequests} requests may be in flight on one socket."));
                return;
            }

            var requestCts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            if (!_inFlight.TryAdd(id, requestCts))
            {
                requestCts.Dispose();
                await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, $"A request with id '{id}' is already in flight."));
                return;
            }

            var task = ProcessAsync(request, requestCts);
            _running.TryAdd(task, true);
            _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ProcessAsync(LlmClientRequest request, CancellationTokenSource cts)
    {
        await Task.Yield();
        var streams = new List<LlmResponseStream>();
        try
        {
            var models = request.Models.Count > 0 ? request.Models : _route.DefaultModel is { } d ? [d] : [];
            if (models.Count == 0)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, LlmErrorCodes.BadRequest, "The request names no 'model' and the route has no default model."));
                return;
            }

            var (messages, maxTokens, error) = LlmPromptPolicy.Apply(_route, request, models);
            if (error is not null)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, LlmErrorCodes.BadRequest, error));
                return;
            }

            var call = new LlmCall
            {
                RoutePattern = _routePattern,
                User = _user,
                Options = _options,
                Route = _route,
                Request = request,
                Messages = messages,
                MaxTokens = maxTokens,
            };
            var runs = new Task[models.Count];
            for (var i = 0; i < models.Count; i++)
            {
                var stream = new LlmResponseStream(this, request.Id, request.FanOut ? models[i] : null);
                streams.Add(stream);
                runs[i] = _processor.RunAsync(call, stream, models[i], cts.Token);
            }

            await Task.WhenAll(runs);
        }
        catch (Exception ex)
        {
            Log.RequestFailed(_logger, request.Id, ex);
            if (streams.Count == 0)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, LlmErrorCodes.UpstreamError, "The gateway failed to process the request."));
            }

            foreach (var stream in streams)
            {
                await stream.ErrorAsync(LlmErrorCodes.UpstreamError, "The gateway failed to process the request.");
            }
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(request.Id, cts));
            cts.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmClientGone, EventName = nameof(EventIds.LlmClientGone), Level = LogLevel.Debug, Message = "LLM client on {Route} went away; its requests are cancelled.")]
        public static partial void ClientGone(ILogger logger, string route);

        [LoggerMessage(EventId = EventIds.LlmRequestFailed, EventName = nameof(EventIds.LlmRequestFailed), Level = LogLevel.Error, Message = "LLM request {Id} failed in the gateway.")]
        public static partial void RequestFailed(ILogger logger, string id, Exception exception);
    }
}
