namespace WebSocketProxy.Llm;

/// <summary>A model's price, used to estimate the cost written to the usage log.</summary>
public sealed record LlmPrice
{
    /// <summary>Gets the price of one million input tokens.</summary>
    public decimal InputPerMillion { get; init; }

    /// <summary>Gets the price of one million cached input tokens.</summary>
    /// <value>Defaults to <see langword="null"/>: cached tokens cost as much as other input tokens.</value>
    public decimal? CachedInputPerMillion { get; init; }

    /// <summary>Gets the price of one million output tokens.</summary>
    public decimal OutputPerMillion { get; init; }
}
