namespace WebSocketProxy.Llm;

/// <summary>Budgets per user (the authenticated name), else per client API key (<see cref="ApiKeyHeader"/>), else per IP address.</summary>
/// <remarks>A request reserves its estimated input tokens plus its <c>max_tokens</c> before the provider is called and is reconciled with the real usage afterwards.</remarks>
public sealed record LlmBudgetConfig
{
    /// <summary>Gets the tokens a user may spend per minute; exhausted → <c>rate_limited</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? TokensPerMinute { get; init; }

    /// <summary>Gets the tokens a user may spend per UTC day; exhausted → <c>quota_exceeded</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? TokensPerDay { get; init; }

    /// <summary>Gets the requests a user may start per minute; exhausted → <c>rate_limited</c>.</summary>
    /// <value>None (unlimited) by default.</value>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Gets the request header that carries a client's API key, used as the budget key of unauthenticated clients (hashed, never logged).</summary>
    /// <value>Defaults to <c>X-Api-Key</c>.</value>
    public string ApiKeyHeader { get; init; } = "X-Api-Key";
}
