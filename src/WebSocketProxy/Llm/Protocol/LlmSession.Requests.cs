using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Requests: parsing, the one-terminal-per-id rule, concurrency per socket, fan-out and the prompt policy.</summary>
internal sealed partial class LlmSession
{
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
            var idValid = !string.IsNullOrEmpty(id) && id.Length <= 256;

            // A request id that is still running already has its terminal frame coming: anything refused here is
            // answered with id null, so that id never gets a second terminal frame.
            var replyId = idValid && !_inFlight.ContainsKey(id!) ? id : null;
            if (type is not ("chat.request" or "chat.cancel"))
            {
                await SendAsync(LlmFrames.Error(replyId, null, LlmErrorCodes.BadRequest, "Unknown message type (expected chat.request or chat.cancel)."));
                return;
            }

            if (!idValid)
            {
                await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, "'id' must be a non-empty string of at most 256 characters."));
                return;
            }

            if (type == "chat.cancel")
            {
                if (_inFlight.TryGetValue(id!, out var cts))
                {
                    CancelQuietly(cts);
                }

                return;
            }

            if (replyId is null)
            {
                await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, "A request with this id is already in flight."));
                return;
            }

            var request = LlmClientRequest.Parse(root, id!, _settings.Options.MaxModelsPerRequest, out var error);
            if (request is null)
            {
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.BadRequest, error!));
                return;
            }

            if (Volatile.Read(ref _stopping) != 0)
            {
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.Cancelled, "The server is shutting down."));
                return;
            }

            var models = LlmModelNames.Normalise(_settings.Options, _settings.Route, request.Models.Count > 0 ? request.Models : _settings.Route.DefaultModel is { } d ? [d] : []);
            var streams = Math.Max(1, models.Count);

            // Every stream of a fan-out counts against the socket's limit.
            if (Interlocked.Add(ref _streams, streams) > _settings.Options.MaxConcurrentRequests)
            {
                Interlocked.Add(ref _streams, -streams);
                await SendAsync(LlmFrames.Error(id, null, LlmErrorCodes.RateLimited, $"At most {_settings.Options.MaxConcurrentRequests} answers may stream on one socket at once."));
                return;
            }

            var requestCts = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            if (!_inFlight.TryAdd(id!, requestCts))
            {
                Interlocked.Add(ref _streams, -streams);
                requestCts.Dispose();
                await SendAsync(LlmFrames.Error(null, null, LlmErrorCodes.BadRequest, "A request with this id is already in flight."));
                return;
            }

            var task = ProcessAsync(request, models, streams, requestCts);
            _running.TryAdd(task, true);
            _ = task.ContinueWith(static (t, state) => ((System.Collections.Concurrent.ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _), _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task ProcessAsync(LlmClientRequest request, IReadOnlyList<string> models, int streamCount, CancellationTokenSource cts)
    {
        await Task.Yield();
        var streams = new List<LlmResponseStream>();
        try
        {
            var refusal = await CheckAsync(models, cts.Token);
            if (refusal is not null)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, refusal.Value.Code, refusal.Value.Message));
                return;
            }

            var (messages, maxTokens, error) = LlmPromptPolicy.Apply(_settings.Route, request, models, _settings.Identity.ApiKey);
            if (error is not null)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, LlmErrorCodes.BadRequest, error));
                return;
            }

            var call = new LlmCall
            {
                RoutePattern = _settings.RoutePattern,
                User = _settings.Identity.BudgetKey,
                Budgets = _settings.Identity.ApiKey?.Budgets ?? _settings.Options.Budgets,
                Options = _settings.Options,
                Route = _settings.Route,
                Request = request,
                Messages = messages,
                MaxTokens = maxTokens,
            };
            var runs = new Task[models.Count];
            for (var i = 0; i < models.Count; i++)
            {
                var stream = new LlmResponseStream(this, request.Id, request.FanOut ? models[i] : null, cts);
                streams.Add(stream);
                runs[i] = _processor.RunAsync(call, stream, models[i], cts.Token);
            }

            await Task.WhenAll(runs);
        }
        catch (Exception ex)
        {
            Log.RequestFailed(_logger, _settings.RoutePattern, ex);
            if (streams.Count == 0)
            {
                await SendAsync(LlmFrames.Error(request.Id, null, LlmErrorCodes.UpstreamError, "The gateway failed to process the request."));
            }

            foreach (var stream in streams)
            {
                await stream.ErrorAsync(LlmErrorCodes.UpstreamError, message: "The gateway failed to process the request.");
            }
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(request.Id, cts));
            Interlocked.Add(ref _streams, -streamCount);
            cts.Dispose();
        }
    }

    /// <summary>Refusals before any budget is touched: no model, or a key that was revoked since the socket opened.</summary>
    private async ValueTask<(string Code, string Message)?> CheckAsync(IReadOnlyList<string> models, CancellationToken cancellationToken)
    {
        if (models.Count == 0)
        {
            return (LlmErrorCodes.BadRequest, "The request names no 'model' and the route has no default model.");
        }

        if (_settings.Identity.PresentedKey is { } presented && await _settings.KeyStore.FindAsync(presented, cancellationToken) is null)
        {
            return (LlmErrorCodes.Unauthorized, LlmErrorMessages.For(LlmErrorCodes.Unauthorized));
        }

        return null;
    }
}
