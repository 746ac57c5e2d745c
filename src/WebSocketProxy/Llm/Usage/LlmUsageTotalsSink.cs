using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>The built-in sink that adds every finished request to the <see cref="IUsageTotals"/> of its UTC day, client key and model.</summary>
internal sealed class LlmUsageTotalsSink(IUsageTotals totals, TimeProvider time) : ILlmUsageSink
{
    public ValueTask RecordAsync(LlmUsageRecord record, CancellationToken cancellationToken)
        => totals.AddAsync(
            new UsageTotal(
                DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime),
                record.User,
                record.ModelTag,
                1,
                record.Usage.InputTokens ?? 0,
                record.Usage.OutputTokens ?? 0,
                record.Usage.CachedTokens ?? 0,
                record.EstimatedCost ?? 0),
            cancellationToken);
}
