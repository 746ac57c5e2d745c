using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>
/// Runs one model's answer: budget reservation, cache, the provider call with fallback (Polly retry over the route's
/// targets, only while nothing was sent to the client), the terminal frame, reconciliation, cache store and usage.
/// </summary>
internal sealed partial class LlmChatProcessor
{
    private static readonly TimeSpan CacheWriteTimeout = TimeSpan.FromSeconds(10);

    private readonly LlmAdapterPipeline _adapters;
    private readonly ILlmBudgetStore _budgets;
    private readonly LlmDeploymentPool _deployments;
    private readonly ProxyMetrics _metrics;
    private readonly LlmResponseCache _cache;
    private readonly LlmUsageRecorder _usage;
    private readonly TimeProvider _time;
    private readonly ILogger<LlmChatProcessor> _logger;
    private readonly ResiliencePipeline _fallback;
    private readonly LlmRequestPipeline _requests;

    public LlmChatProcessor(LlmAdapterPipeline adapters, LlmRequestPipeline requests, ILlmBudgetStore budgets, LlmDeploymentPool deployments, ProxyMetrics metrics, LlmResponseCache cache, LlmUsageRecorder usage, TimeProvider time, ILogger<LlmChatProcessor> logger)
    {
        _requests = requests;
        _adapters = adapters;
        _budgets = budgets;
        _deployments = deployments;
        _metrics = metrics;
        _cache = cache;
        _usage = usage;
        _time = time;
        _logger = logger;
        _fallback = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<LlmFallbackException>(),
                MaxRetryAttempts = MaxAttempts + LlmTarget.MaxTargets,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
            })
            .Build();
    }

    /// <summary>Runs the user's request stages (if any), then <see cref="RunCoreAsync"/>; a stage's refusal is the request's one terminal frame.</summary>
    public async Task RunAsync(LlmCall call, LlmResponseStream stream, string model, CancellationToken cancellationToken)
    {
        if (_requests.IsEmpty)
        {
            await RunCoreAsync(call, stream, model, cancellationToken);
            return;
        }

        var start = _time.GetTimestamp();
        var context = new LlmRequestContext(call.User, call.RoutePattern, model, call.Messages, call.Request.Tools, call.MaxTokens, _requests.Services, cancellationToken);
        var ran = false;
        await _requests.RunAsync(context, async c =>
        {
            if (c.Refusal is not null || ran)
            {
                return;
            }

            ran = true;
            var attempt = await RunCoreAsync(ReferenceEquals(c.Messages, call.Messages) ? call : call.WithMessages(c.Messages), stream, model, cancellationToken);
            (c.Outcome, c.Usage, c.Cost) = (attempt.Outcome, attempt.Billed, attempt.Cost);
        });
        if (ran)
        {
            return;
        }

        var (code, message, retryAfter) = context.Refusal ?? (LlmErrorCodes.BadRequest, "A request stage ended the request without an answer.", null);
        await stream.ErrorAsync(code, retryAfter, message: message);
        await _usage.RecordAsync(call, null, model, code, new LlmUsage { InputTokens = 0, OutputTokens = 0, TotalTokens = 0 }, null, _time.GetElapsedTime(start), null);
    }

    private async Task<LlmAttempt> RunCoreAsync(LlmCall call, LlmResponseStream stream, string model, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        var targets = LlmTarget.Resolve(call.Options, call.Route, model);
        var estimatedInput = LlmTokenEstimator.EstimateInput(model, call.Messages, call.Request.Tools);
        var attempt = new LlmAttempt(call, stream, targets, estimatedInput, start);
        if (targets.Count == 0)
        {
            attempt.Outcome = LlmErrorCodes.BadRequest;
            await stream.ErrorAsync(LlmErrorCodes.BadRequest, message: "No provider on this route serves the requested model.");
            await RecordAsync(attempt, model, null);
            return attempt;
        }

        var maxOutput = call.MaxTokens ?? call.Route.DefaultMaxTokensEstimate;
        var reserveCost = 0m;
        foreach (var target in targets)
        {
            reserveCost = Math.Max(reserveCost, LlmUsageRecorder.Cost(call.Options, target.Model, new LlmUsage { InputTokens = estimatedInput, OutputTokens = maxOutput }) ?? 0);
        }

        var budget = await _budgets.ReserveAsync(call.User, call.Budgets, estimatedInput + (long)maxOutput, reserveCost, cancellationToken);
        if (budget.Reservation is not { } reservation)
        {
            attempt.Outcome = budget.ErrorCode!; // set whenever Reservation is null
            await stream.ErrorAsync(budget.ErrorCode!, budget.RetryAfter, message: budget.Message);
            await RecordAsync(attempt, model, null);
            return attempt;
        }

        if (NearLimit(call.Budgets, budget.Remaining))
        {
            await stream.RateLimitAsync(budget.Remaining);
        }

        string? cacheKey = null;
        decimal? cost = null;
        try
        {
            cacheKey = IsCacheable(call) ? LlmResponseCache.Key(call, targets[0], call.Options.Cache.Shared ? "shared" : call.User) : null;
            if (cacheKey is not null && await _cache.TryGetAsync(cacheKey, cancellationToken) is { } hit)
            {
                await ReplayAsync(attempt, model, hit, cancellationToken);
            }
            else
            {
                await _fallback.ExecuteAsync(static (state, token) => state.Processor.AttemptAsync(state.Attempt, token), (Processor: this, Attempt: attempt), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Cancelled(attempt, model);
        }
        finally
        {
            cost = attempt.Outcome == "cache_hit" ? 0 : LlmUsageRecorder.Cost(call.Options, attempt.BilledModel(model), attempt.Billed);
            reservation.Reconcile(attempt.Billed.TotalTokens ?? 0, cost ?? 0, _time.GetUtcNow());

            // Started before the terminal frame (the in-memory write completes at once) but never awaited: a slow
            // distributed cache cannot hold back chat.completed.
            if (cacheKey is not null && LlmResponseCache.IsStorable(attempt))
            {
                _ = StoreAsync(cacheKey, ToCached(attempt), call.Options.Cache.Expiration);
            }

            if (attempt.Terminal is { } terminal)
            {
                await terminal(cost);
            }

            attempt.Cost = cost;
            await RecordAsync(attempt, attempt.BilledModel(model), cost);
        }

        return attempt;
    }

    private static bool NearLimit(LlmBudgetConfig budgets, IReadOnlyList<LlmBudgetRemaining> remaining)
    {
        foreach (var limit in remaining)
        {
            if (limit.Limit > 0 && (double)(limit.Remaining / limit.Limit) < budgets.WarnBelow)
            {
                return true;
            }
        }

        return false;
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

    /// <summary>Writes the cache after the terminal frame went out; a slow or failing distributed cache only costs a log line.</summary>
    private async Task StoreAsync(string key, LlmCachedAnswer answer, TimeSpan expiration)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CacheWriteTimeout, _time);
            await _cache.SetAsync(key, answer, expiration, timeout.Token).AsTask().WaitAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            Log.CacheWriteFailed(_logger, ex);
        }
    }

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
        attempt.Terminal = _ => attempt.Stream.CompleteAsync(hit.FinishReason, usage, 0);
        attempt.Outcome = "cache_hit";
        attempt.Billed = new LlmUsage { InputTokens = 0, OutputTokens = 0, CachedTokens = 0, TotalTokens = 0 };
    }

    private static void Cancelled(LlmAttempt attempt, string model)
    {
        attempt.Outcome = "cancelled";
        var billed = LlmTokenEstimator.Complete(attempt.Usage, attempt.Current is null ? 0 : attempt.EstimatedInput, attempt.EstimatedOutput(model), forceEstimated: true);
        attempt.Billed = billed;
        attempt.Terminal = cost => attempt.Stream.CancelledAsync(billed, cost);
    }

    private ValueTask RecordAsync(LlmAttempt attempt, string model, decimal? cost)
        => _usage.RecordAsync(attempt.Call, attempt.Current?.ProviderName, model, attempt.Outcome, attempt.Billed, cost, _time.GetElapsedTime(attempt.StartTimestamp), attempt.TimeToFirstToken);
}
