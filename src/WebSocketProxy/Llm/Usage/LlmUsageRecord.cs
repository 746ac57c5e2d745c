namespace WebSocketProxy.Llm;

/// <summary>What one finished LLM request used, as given to <see cref="ILlmUsageSink"/>.</summary>
public sealed class LlmUsageRecord
{
    /// <summary>Gets the route pattern.</summary>
    public required string Route { get; init; }

    /// <summary>Gets the budget key: <c>user:id</c> (the verified <c>sub</c>, NameIdentifier or Name), <c>key:id</c> (a validated gateway API key) or <c>ip:address</c>.</summary>
    public required string User { get; init; }

    /// <summary>Gets the provider name, or <see langword="null"/> when no provider was called.</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the model id that answered (or was asked for, when no provider answered).</summary>
    public required string Model { get; init; }

    /// <summary>Gets the model id for metric tags and log fields: a configured id, else <c>other</c>.</summary>
    internal string ModelTag { get; init; } = "other";

    /// <summary>Gets the outcome: <c>completed</c>, <c>cancelled</c>, <c>cache_hit</c>, or the <c>chat.error</c> code.</summary>
    public required string Outcome { get; init; }

    /// <summary>Gets the tokens billed for the request (zero for a cache hit).</summary>
    public required LlmUsage Usage { get; init; }

    /// <summary>Gets the time from the request to its terminal frame.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the time from the request to the first text delta, if one arrived.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Gets the estimated cost from the configured price table, if the model has a price.</summary>
    public decimal? EstimatedCost { get; init; }
}
