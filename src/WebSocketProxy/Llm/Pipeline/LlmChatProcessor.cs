using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly.Retry;
using Polly;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>
/// Runs one model's answer: budget reservation, cache, the provider call with fallback (Polly retry over the route's
/// targets, only while nothing was sent to the client), the terminal frame, reconciliation, cache store and usage.
/// </summary>
internal sealed partial class LlmChatProcessor
{
    private readonly IServiceProvider _services;
    private readonly LlmBudgets _budgets;
    private readonly LlmResponseCache _cache;
    private readonly LlmUsageRecorder _usage;
    private readonly TimeProvider _time;
    private readonly ILogger<LlmChatProcessor> _logger;
    private readonly ResiliencePipeline _fallback;

    public LlmChatProcessor(IServiceProvider services, LlmBudgets budgets, LlmResponseCache cache, LlmUsageRecorder usage, TimeProvider time, ILogger<LlmChatProcessor> logger)
    {
        _services = services;
        _budgets = budgets;
        _cache = cache;
        _usage = usage;
        _time = time;
        _logger = logger;
        _fallback = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<LlmFallbackException>(),
                MaxRetryAttempts = LlmTarget.MaxTargets,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
            })
            .Build();
    }

    public async Task RunAsync(LlmCall call, LlmResponseStream stream, string model, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var targets = LlmTarget.Resolve(call.Options, call.Route, model);
        var estimatedInput = LlmTokenEstimator.Estimate(call.Messages);
        var attempt = new LlmAttempt(call, stream, targets, estimatedInput, start);
        if (targets.Count == 0)
        {
            attempt.Outcome = LlmErrorCodes.BadRequest;
            await stream.ErrorAsync(LlmErrorCodes.BadRequest, $"No provider on this route serves model '{model}'.");
            await RecordAsync(attempt, model);
            return;
        }

        var reserve = estimatedInput + (call.MaxTokens ?? call.Route.DefaultMaxTokensEstimate);
        var budget = _budgets.TryReserve(call.User, reserve);
        if (budget.Reservation is not { } reservation)
        {
            attempt.Outcome = budget.ErrorCode!; // set whenever Reservation is null
            await stream.ErrorAsync(budget.ErrorCode!, budget.Message!, budget.RetryAfter);
            await RecordAsync(attempt, model);
            return;
        }

        try
        {
            var cacheKey = IsCacheable(call) ? LlmResponseCache.Key(model, call.Messages, call.Request.Temperature, call.Request.TopP, call.MaxTokens) : null;
            if (cacheKey is not null && await _cache.TryGetAsync(cacheKey, cancellationToken) is { } hit)
            {
                await ReplayAsync(attempt, model, hit, cancellationToken);
                return;
            }

            await _fallback.ExecuteAsync(static (state, token) => state.Processor.AttemptAsync(state.Attempt, token), (Processor: this, Attempt: attempt), cancellationToken);
            if (cacheKey is not null && attempt.Outcome == "completed" && attempt.FinishReason == "stop")
            {
                await _cache.SetAsync(cacheKey, ToCached(attempt), call.Options.Cache.Expiration, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Cancelled(attempt);
        }
        finally
        {
            reservation.Reconcile(attempt.Billed.TotalTokens ?? 0);
            if (attempt.Terminal is { } terminal)
            {
                await terminal();
            }

            await RecordAsync(attempt, attempt.Current?.Model ?? model);
        }
    }

    private static bool IsCacheable(LlmCall call)
    {
        var cache = call.Options.Cache;
        if (!cache.Enabled || call.Request.Cache == false)
        {
            return false;
        }

        return call.Request.Temperature == 0 || (call.Request.Cache == true && cache.AllowOptIn);
    }

    private static LlmCachedAnswer ToCached(LlmAttempt attempt) => new()
    {
        Chunks = [.. attempt.Chunks],
        FinishReason = attempt.FinishReason ?? "stop",
        Provider = attempt.Current?.ProviderName,
        InputTokens = attempt.Billed.InputTokens,
        OutputTokens = attempt.Billed.OutputTokens,
        CachedTokens = attempt.Billed.CachedTokens,
        TotalTokens = attempt.Billed.TotalTokens,
    };

    private static string MapError(LlmUpstreamException ex) => ex.StatusCode switch
    {
        429 when ex.ProviderCode is "insufficient_quota" => LlmErrorCodes.QuotaExceeded,
        429 => LlmErrorCodes.RateLimited,
        400 or 413 or 422 => LlmErrorCodes.BadRequest,
        408 or 504 => LlmErrorCodes.Timeout,
        _ => LlmErrorCodes.UpstreamError,
    };

    private static bool IsRetryable(LlmUpstreamException ex) => ex.StatusCode is not (400 or 413 or 422);

    private async ValueTask ReplayAsync(LlmAttempt attempt, string model, LlmCachedAnswer hit, CancellationToken cancellationToken)
    {
        await attempt.Stream.StartAsync(model, hit.Provider, cacheHit: true);
        attempt.TimeToFirstToken = _time.GetElapsedTime(attempt.StartTimestamp);
        foreach (var chunk in hit.Chunks)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await attempt.Stream.DeltaAsync(chunk);
        }

        var usage = new LlmUsage { InputTokens = hit.InputTokens, OutputTokens = hit.OutputTokens, CachedTokens = hit.CachedTokens, TotalTokens = hit.TotalTokens };
        attempt.Terminal = () => attempt.Stream.CompleteAsync(hit.FinishReason, usage);
        attempt.Outcome = "cache_hit";
        attempt.Billed = new LlmUsage { InputTokens = 0, OutputTokens = 0, CachedTokens = 0, TotalTokens = 0 };
    }

    private static void Cancelled(LlmAttempt attempt)
    {
        attempt.Outcome = "cancelled";
        var billed = LlmTokenEstimator.Complete(attempt.Usage, attempt.Current is null ? 0 : attempt.EstimatedInput, attempt.Text.Length, forceEstimated: true);
        attempt.Billed = billed;
        attempt.Terminal = () => attempt.Stream.CancelledAsync(billed);
    }

    private async ValueTask AttemptAsync(LlmAttempt attempt, CancellationToken cancellationToken)
    {
        var target = attempt.Targets[attempt.Next++];
        attempt.Current = target;
        attempt.Usage = new LlmUsage();
        attempt.FinishReason = null;
        var adapter = _services.GetKeyedService<ILlmStreamAdapter>(target.Provider.Type)
            ?? throw new InvalidOperationException($"No LLM stream adapter is registered under '{target.Provider.Type}'.");
        var request = new LlmRequest
        {
            ProviderName = target.ProviderName,
            Provider = target.Provider,
            Model = target.Model,
            Messages = attempt.Call.Messages,
            Temperature = attempt.Call.Request.Temperature,
            TopP = attempt.Call.Request.TopP,
            MaxTokens = attempt.Call.MaxTokens,
        };

        using var timeout = new CancellationTokenSource(target.Provider.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string? code = null;
        string? message = null;
        int? status = null;
        TimeSpan? retryAfter = null;
        var retryable = true;
        try
        {
            await foreach (var item in adapter.StreamAsync(request, linked.Token).WithCancellation(linked.Token))
            {
                switch (item.Kind)
                {
                    case LlmStreamEventKind.Delta:
                        if (!attempt.Stream.Started)
                        {
                            await attempt.Stream.StartAsync(target.Model, target.ProviderName, cacheHit: false);
                            attempt.TimeToFirstToken = _time.GetElapsedTime(attempt.StartTimestamp);
                        }

                        // Every part is output the provider bills (reasoning and tool arguments too); the cache replays text only.
                        if (item.Part == LlmPartType.Text)
                        {
                            attempt.Chunks.Add(item.Text!);
                        }

                        attempt.Text.Append(item.Text);
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
                        message = item.ErrorMessage ?? "The model provider reported an error.";
                        Log.MidStreamError(_logger, target.ProviderName, target.Model, item.ErrorCode);
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
            message = $"The model provider did not finish within {target.Provider.Timeout}.";
        }
        catch (LlmUpstreamException ex)
        {
            code = MapError(ex);
            message = ex.Message;
            status = ex.StatusCode;
            retryAfter = ex.RetryAfter;
            retryable = IsRetryable(ex);
            Log.UpstreamFailed(_logger, target.ProviderName, target.Model, ex.StatusCode, ex.ProviderCode);
        }
        catch (Exception ex)
        {
            code = LlmErrorCodes.UpstreamError;
            message = "The model provider failed: " + ex.Message;
            status = (ex as HttpRequestException)?.StatusCode is HttpStatusCode s ? (int)s : null;
            Log.AdapterFailed(_logger, target.ProviderName, target.Model, ex);
        }

        if (code is null && attempt.FinishReason is null)
        {
            code = LlmErrorCodes.UpstreamError;
            message = "The model provider's stream ended without finishing.";
        }

        if (code is null)
        {
            await attempt.Stream.StartAsync(target.Model, target.ProviderName, cacheHit: false);
            var usage = LlmTokenEstimator.Complete(attempt.Usage, attempt.EstimatedInput, attempt.Text.Length, forceEstimated: false);
            var finishReason = attempt.FinishReason!;
            attempt.Billed = usage;
            attempt.Outcome = "completed";
            attempt.Terminal = () => attempt.Stream.CompleteAsync(finishReason, usage);
            return;
        }

        if (!attempt.Stream.Started && retryable && attempt.Next < attempt.Targets.Count)
        {
            Log.FallingBack(_logger, target.ProviderName, target.Model, code, attempt.Targets[attempt.Next].ProviderName);
            throw new LlmFallbackException();
        }

        attempt.Outcome = code;
        attempt.Billed = attempt.Text.Length == 0 && !attempt.UsageReported
            ? attempt.Billed
            : LlmTokenEstimator.Complete(attempt.Usage, attempt.EstimatedInput, attempt.Text.Length, forceEstimated: false);
        attempt.Terminal = () => attempt.Stream.ErrorAsync(code, message!, retryAfter, status);
    }

    private ValueTask RecordAsync(LlmAttempt attempt, string model)
        => _usage.RecordAsync(attempt.Call, attempt.Current?.ProviderName, model, attempt.Outcome, attempt.Billed, _time.GetElapsedTime(attempt.StartTimestamp), attempt.TimeToFirstToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmUpstreamFailed, EventName = nameof(EventIds.LlmUpstreamFailed), Level = LogLevel.Warning, Message = "LLM provider {Provider} refused model {Model}: status {Status}, code {Code}.")]
        public static partial void UpstreamFailed(ILogger logger, string provider, string model, int? status, string? code);

        [LoggerMessage(EventId = EventIds.LlmMidStreamError, EventName = nameof(EventIds.LlmMidStreamError), Level = LogLevel.Warning, Message = "LLM provider {Provider} reported an error in the stream of model {Model}: {Code}.")]
        public static partial void MidStreamError(ILogger logger, string provider, string model, string? code);

        [LoggerMessage(EventId = EventIds.LlmAdapterFailed, EventName = nameof(EventIds.LlmAdapterFailed), Level = LogLevel.Warning, Message = "LLM provider {Provider} failed for model {Model}.")]
        public static partial void AdapterFailed(ILogger logger, string provider, string model, Exception exception);

        [LoggerMessage(EventId = EventIds.LlmFallingBack, EventName = nameof(EventIds.LlmFallingBack), Level = LogLevel.Information, Message = "LLM provider {Provider} failed for model {Model} ({Code}) before streaming; falling back to {Next}.")]
        public static partial void FallingBack(ILogger logger, string provider, string model, string code, string next);
    }
}
