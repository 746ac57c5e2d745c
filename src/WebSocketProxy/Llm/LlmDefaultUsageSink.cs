using WebSocketProxy.Diagnostics;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.Llm;

/// <summary>The built-in usage sink: metrics, and one log line per request with user, model, tokens, duration, outcome and estimated cost.</summary>
internal sealed partial class LlmDefaultUsageSink(ProxyMetrics metrics, ILogger<LlmDefaultUsageSink> logger) : ILlmUsageSink
{
    public ValueTask RecordAsync(LlmUsageRecord record, CancellationToken cancellationToken)
    {
        metrics.LlmRequestFinished(record.Provider ?? "none", record.Model, record.Outcome, record.Usage.InputTokens ?? 0, record.Usage.OutputTokens ?? 0, record.TimeToFirstToken, record.EstimatedCost);
        Log.Request(
            logger,
            record.Route,
            record.User,
            record.Provider ?? "none",
            record.Model,
            record.Outcome,
            record.Usage.InputTokens ?? 0,
            record.Usage.OutputTokens ?? 0,
            record.Usage.CachedTokens ?? 0,
            record.Usage.Estimated,
            (long)record.Duration.TotalMilliseconds,
            record.EstimatedCost);
        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmRequest, EventName = nameof(EventIds.LlmRequest), Level = LogLevel.Information,
            Message = "LLM request on {Route} by {User}: {Provider}/{Model} {Outcome}, tokens in {InputTokens} out {OutputTokens} cached {CachedTokens} (estimated {Estimated}), {DurationMs} ms, cost {EstimatedCost}.")]
        public static partial void Request(ILogger logger, string route, string user, string provider, string model, string outcome, int inputTokens, int outputTokens, int cachedTokens, bool estimated, long durationMs, decimal? estimatedCost);
    }
}
