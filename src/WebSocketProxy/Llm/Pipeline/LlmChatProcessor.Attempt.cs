using System.Net;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>One attempt at one target: the adapter's stream to frames, and every failure to one stable error code.</summary>
internal sealed partial class LlmChatProcessor
{
    private static string MapError(LlmUpstreamException ex) => ex.StatusCode switch
    {
        429 when ex.ProviderCode is "insufficient_quota" => LlmErrorCodes.QuotaExceeded,
        429 => LlmErrorCodes.RateLimited,
        400 or 413 or 422 => LlmErrorCodes.BadRequest,
        408 or 504 => LlmErrorCodes.Timeout,
        _ => LlmErrorCodes.UpstreamError,
    };

    /// <summary>At most this many provider calls for one answer, over every target and deployment.</summary>
    private const int MaxAttempts = 16;

    private static bool IsRetryable(LlmUpstreamException ex) => ex.StatusCode is not (400 or 413 or 422);

    private static LlmRequest BuildRequest(LlmAttempt attempt, LlmTarget target, LlmProviderConfig provider)
    {
        var call = attempt.Call;
        var options = call.Request.Options;
        return new LlmRequest
        {
            ProviderName = target.ProviderName,
            Provider = provider,
            Model = target.Model,
            Messages = call.Messages,
            Temperature = options.Temperature,
            TopP = options.TopP,

            // With a token budget the reservation is a promise: the provider may not write more than was reserved.
            MaxTokens = call.MaxTokens ?? (call.Budgets.HasTokenLimits ? call.Route.DefaultMaxTokensEstimate : null),
            Stop = options.Stop,
            Seed = options.Seed,
            ResponseFormat = options.ResponseFormat,
            ContextWindow = options.ContextWindow,
            Tools = call.Request.Tools,
            ToolChoice = call.Request.ToolChoice,
            User = call.User,
            RoutePattern = call.RoutePattern,
        };
    }

    private async ValueTask AttemptAsync(LlmAttempt attempt, CancellationToken cancellationToken)
    {
        var target = attempt.Targets[attempt.Next];
        var (deployment, coolingFor) = _deployments.Pick(target, attempt.Tried);
        if (deployment is null)
        {
            // Every deployment of this target was tried or is cooling down: nothing is sent to it.
            attempt.Next++;
            if (attempt.Next < attempt.Targets.Count)
            {
                throw new LlmFallbackException();
            }

            attempt.Outcome = LlmErrorCodes.RateLimited;
            attempt.Terminal = cost => attempt.Stream.ErrorAsync(LlmErrorCodes.RateLimited, coolingFor, message: "Every deployment of the model is cooling down after a rate limit; retry later.");
            return;
        }

        attempt.Tried.Add(deployment.Key);
        attempt.Current = target;
        attempt.Usage = new LlmUsage();
        attempt.FinishReason = null;
        var adapter = _adapters.Get(target.Provider.Type)
            ?? throw new InvalidOperationException($"No LLM stream adapter is registered under '{target.Provider.Type}'.");
        using var inFlight = deployment.Enter();
        var request = BuildRequest(attempt, target, deployment.Provider);
        attempt.MaxOutputTokens = request.MaxTokens;
        var options = attempt.Call.Options;
        var modelTag = LlmModelNames.ForTelemetry(options, attempt.Call.Route, target.Model);
        if (LlmRequestShaping.Check(request) is { } shapingError)
        {
            attempt.Outcome = LlmErrorCodes.BadRequest;
            attempt.Terminal = cost => attempt.Stream.ErrorAsync(LlmErrorCodes.BadRequest, message: shapingError);
            return;
        }

        var telemetry = LlmTelemetry.Start(_metrics, _time, request, deployment.Provider, modelTag);
        var limits = LlmRateLimitHint.Begin();
        try
        {
            await CallAsync(attempt, target, deployment, adapter, request, modelTag, telemetry, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            telemetry.Finish(target.Model, null, attempt.Usage, LlmErrorCodes.Cancelled);
            throw;
        }
        finally
        {
            // The provider answered but said this deployment has nothing left: rest it until the reset it announced.
            if (limits.Exhausted is { } exhausted)
            {
                _deployments.CoolDown(deployment, exhausted, target.Provider.Cooldown);
            }
        }
    }

    private async ValueTask CallAsync(LlmAttempt attempt, LlmTarget target, LlmDeployment deployment, ILlmStreamAdapter adapter, LlmRequest request, string modelTag, LlmTelemetry telemetry, CancellationToken cancellationToken)
    {
        var options = attempt.Call.Options;
        using var timeout = new CancellationTokenSource(target.Provider.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string? code = null;
        int? status = null;
        string? requestId = null;
        TimeSpan? retryAfter = null;
        var retryable = true;
        try
        {
            await foreach (var item in adapter.StreamAsync(request, linked.Token).WithCancellation(linked.Token))
            {
                switch (item.Kind)
                {
                    case LlmStreamEventKind.Delta:
                        telemetry.FirstChunk();
                        if (!attempt.Stream.Started)
                        {
                            await attempt.Stream.StartAsync(target.Model, target.ProviderName, cacheHit: false);
                            attempt.TimeToFirstToken = _time.GetElapsedTime(attempt.StartTimestamp);
                        }

                        // Every part is output the provider bills (reasoning and tool arguments too); the cache replays text only.
                        switch (item.Part)
                        {
                            case LlmPartType.Text:
                                attempt.Chunks.Add(item.Text!);
                                break;
                            case LlmPartType.Refusal:
                                attempt.Refused = true;
                                break;
                            case LlmPartType.ToolCall:
                                attempt.CalledTools = true;
                                break;
                        }

                        attempt.Text.Append(item.Text).Append(item.ToolName);
                        await attempt.Stream.DeltaAsync(item);
                        break;
                    case LlmStreamEventKind.Usage:
                        attempt.Usage = LlmTokenEstimator.Merge(attempt.Usage, item.Usage!);
                        attempt.UsageReported = true;
                        break;
                    case LlmStreamEventKind.Finish:
                        attempt.FinishReason = item.FinishReason;
                        break;
                    case LlmStreamEventKind.Error:
                        code = LlmErrorCodes.UpstreamError;
                        requestId = item.ProviderRequestId;
                        Log.MidStreamError(_logger, target.ProviderName, modelTag, item.ErrorCode, requestId, LlmRedactor.Redact(item.ErrorMessage, options));
                        break;
                    default:
                        break;
                }

                if (code is not null)
                {
                    break;
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            code = LlmErrorCodes.Timeout;
            Log.ProviderTimedOut(_logger, target.ProviderName, modelTag, target.Provider.Timeout);
        }
        catch (LlmUpstreamException ex)
        {
            code = MapError(ex);
            status = ex.StatusCode;
            retryAfter = ex.RetryAfter;
            retryable = IsRetryable(ex);
            requestId = ex.ProviderRequestId;
            if (ex.StatusCode is 429 or 503)
            {
                _deployments.CoolDown(deployment, ex.RetryAfter, target.Provider.Cooldown);
            }

            Log.UpstreamFailed(_logger, target.ProviderName, modelTag, ex.StatusCode, ex.ProviderCode, requestId, LlmRedactor.Redact(ex.Message, options));
        }
        catch (Exception ex)
        {
            code = LlmErrorCodes.UpstreamError;
            status = (ex as HttpRequestException)?.StatusCode is HttpStatusCode s ? (int)s : null;
            Log.AdapterFailed(_logger, target.ProviderName, modelTag, ex.GetType().Name, LlmRedactor.Redact(ex.Message, options));
        }

        if (code is null && attempt.FinishReason is null)
        {
            code = LlmErrorCodes.UpstreamError;
            Log.StreamUnfinished(_logger, target.ProviderName, modelTag);
        }

        telemetry.Finish(target.Model, attempt.FinishReason, attempt.Usage, code);
        if (code is null)
        {
            await attempt.Stream.StartAsync(target.Model, target.ProviderName, cacheHit: false);
            var usage = LlmTokenEstimator.Complete(attempt.Usage, attempt.EstimatedInput, attempt.EstimatedOutput(target.Model), forceEstimated: false);
            var finishReason = attempt.FinishReason!;
            attempt.Billed = usage;
            attempt.Outcome = "completed";
            attempt.Terminal = cost => attempt.Stream.CompleteAsync(finishReason, usage, cost);
            return;
        }

        if (!attempt.Stream.Started && retryable && ++attempt.Attempts < MaxAttempts)
        {
            // Another deployment of this target first, then the next target.
            if (_deployments.Pick(target, attempt.Tried).Deployment is null)
            {
                attempt.Next++;
            }

            if (attempt.Next < attempt.Targets.Count)
            {
                Log.FallingBack(_logger, target.ProviderName, modelTag, code, attempt.Targets[attempt.Next].ProviderName);
                throw new LlmFallbackException();
            }
        }

        attempt.Outcome = code;
        attempt.Billed = attempt.Text.Length == 0 && !attempt.UsageReported
            ? attempt.Billed
            : LlmTokenEstimator.Complete(attempt.Usage, attempt.EstimatedInput, attempt.EstimatedOutput(target.Model), forceEstimated: false);
        var billed = attempt.Billed;
        attempt.Terminal = cost => attempt.Stream.ErrorAsync(code, retryAfter, status, billed, cost, requestId);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmUpstreamFailed, EventName = nameof(EventIds.LlmUpstreamFailed), Level = LogLevel.Warning, Message = "LLM provider {Provider} refused model {Model}: status {Status}, code {Code}, request id {ProviderRequestId}: {Detail}")]
        public static partial void UpstreamFailed(ILogger logger, string provider, string model, int? status, string? code, string? providerRequestId, string detail);

        [LoggerMessage(EventId = EventIds.LlmMidStreamError, EventName = nameof(EventIds.LlmMidStreamError), Level = LogLevel.Warning, Message = "LLM provider {Provider} reported an error in the stream of model {Model}: {Code}, request id {ProviderRequestId}: {Detail}")]
        public static partial void MidStreamError(ILogger logger, string provider, string model, string? code, string? providerRequestId, string detail);

        [LoggerMessage(EventId = EventIds.LlmAdapterFailed, EventName = nameof(EventIds.LlmAdapterFailed), Level = LogLevel.Warning, Message = "LLM provider {Provider} failed for model {Model}: {ExceptionType}: {Detail}")]
        public static partial void AdapterFailed(ILogger logger, string provider, string model, string exceptionType, string detail);

        [LoggerMessage(EventId = EventIds.LlmFallingBack, EventName = nameof(EventIds.LlmFallingBack), Level = LogLevel.Information, Message = "LLM provider {Provider} failed for model {Model} ({Code}) before streaming; falling back to {Next}.")]
        public static partial void FallingBack(ILogger logger, string provider, string model, string code, string next);

        [LoggerMessage(EventId = EventIds.LlmProviderTimedOut, EventName = nameof(EventIds.LlmProviderTimedOut), Level = LogLevel.Warning, Message = "LLM provider {Provider} did not finish model {Model} within {Timeout}.")]
        public static partial void ProviderTimedOut(ILogger logger, string provider, string model, TimeSpan timeout);

        [LoggerMessage(EventId = EventIds.LlmStreamUnfinished, EventName = nameof(EventIds.LlmStreamUnfinished), Level = LogLevel.Warning, Message = "LLM provider {Provider}'s stream of model {Model} ended without finishing.")]
        public static partial void StreamUnfinished(ILogger logger, string provider, string model);

        [LoggerMessage(EventId = EventIds.LlmCacheWriteFailed, EventName = nameof(EventIds.LlmCacheWriteFailed), Level = LogLevel.Warning, Message = "An LLM answer could not be written to the cache.")]
        public static partial void CacheWriteFailed(ILogger logger, Exception exception);
    }
}
