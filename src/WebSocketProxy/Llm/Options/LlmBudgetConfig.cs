namespace WebSocketProxy.Llm;

/// <summary>
/// Budgets per client: the verified user (<c>sub</c>, else NameIdentifier, else Name), else a gateway-issued API key that
/// the key store validated (<see cref="ApiKeyHeader"/>), else the client's IP address.
/// </summary>
/// <remarks>
/// A request reserves its input tokens (counted with the model's tokenizer for OpenAI models, else bounded by the prompt's
/// UTF-8 bytes) plus its <c>max_tokens</c> before the provider is called, and is reconciled with the real usage
/// afterwards; reservations in flight never exceed a limit. A reload changes the limits and keeps what was spent.
/// </remarks>
public sealed record LlmBudgetConfig
{
    /// <summary>Gets the tokens a client may spend per minute; exhausted → <c>rate_limited</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? TokensPerMinute { get; init; }

    /// <summary>Gets the tokens a client may spend per UTC day; exhausted → <c>quota_exceeded</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? TokensPerDay { get; init; }

    /// <summary>Gets the requests a client may start per minute; exhausted → <c>rate_limited</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Gets the money a client may spend per UTC day, priced with <see cref="LlmOptions.Prices"/>; exhausted → <c>quota_exceeded</c>.</summary>
    /// <value>None (unlimited) by default. Models without a price cost nothing against it.</value>
    public decimal? CostPerDay { get; init; }

    /// <summary>Gets the share of a limit below which a <c>ratelimit.updated</c> frame tells the client what remains.</summary>
    /// <value>Defaults to 0.2 (20 % left); 0 turns the frame off.</value>
    public double WarnBelow { get; init; } = 0.2;

    /// <summary>Gets the request header that carries a gateway-issued API key (see <see cref="LlmOptions.ApiKeys"/>); an unknown or revoked key is refused with 401.</summary>
    /// <value>Defaults to <c>X-Api-Key</c>.</value>
    public string ApiKeyHeader { get; init; } = "X-Api-Key";

    internal bool HasLimits => TokensPerMinute is not null || TokensPerDay is not null || RequestsPerMinute is not null || CostPerDay is not null;

    internal bool HasTokenLimits => TokensPerMinute is not null || TokensPerDay is not null;
}
