using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>Builds the <see cref="LlmUsageRecord"/> (with the estimated cost) and hands it to every registered <see cref="ILlmUsageSink"/>.</summary>
internal sealed partial class LlmUsageRecorder(IEnumerable<ILlmUsageSink> sinks, ILogger<LlmUsageRecorder> logger)
{
    private readonly ILlmUsageSink[] _sinks = [.. sinks];

    public static decimal? Cost(LlmOptions options, string model, LlmUsage usage)
    {
        if (!options.Prices.TryGetValue(model, out var price))
        {
            return null;
        }

        var cached = usage.CachedTokens ?? 0;
        var input = (usage.InputTokens ?? 0) - cached;
        var cachedPrice = price.CachedInputPerMillion ?? price.InputPerMillion;
        return ((input * price.InputPerMillion) + (cached * cachedPrice) + ((usage.OutputTokens ?? 0) * price.OutputPerMillion)) / 1_000_000m;
    }

    public ValueTask RecordAsync(LlmCall call, string? provider, string model, string outcome, LlmUsage usage, decimal? cost, TimeSpan duration, TimeSpan? timeToFirstToken)
        => RecordAsync(call.RoutePattern, call.User, call.Options, call.Route, provider, model, outcome, usage, cost, duration, timeToFirstToken);

    public async ValueTask RecordAsync(string routePattern, string user, LlmOptions options, LlmRouteConfig route, string? provider, string model, string outcome, LlmUsage usage, decimal? cost, TimeSpan duration, TimeSpan? timeToFirstToken)
    {
        var record = new LlmUsageRecord
        {
            Route = routePattern,
            User = user,
            Provider = provider,
            Model = model,
            Outcome = outcome,
            Usage = usage,
            Duration = duration,
            TimeToFirstToken = timeToFirstToken,
            EstimatedCost = cost,
            ModelTag = LlmModelNames.ForTelemetry(options, route, model),
        };
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.RecordAsync(record, CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.SinkFailed(logger, sink.GetType().Name, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmUsageSinkFailed, EventName = nameof(EventIds.LlmUsageSinkFailed), Level = LogLevel.Error, Message = "LLM usage sink {Sink} failed.")]
        public static partial void SinkFailed(ILogger logger, string sink, Exception exception);
    }
}
