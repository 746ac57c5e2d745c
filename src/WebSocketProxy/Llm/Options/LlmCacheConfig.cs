namespace WebSocketProxy.Llm;

/// <summary>Response cache settings (HybridCache; in memory unless a distributed cache is registered).</summary>
/// <remarks>Only complete, successful answers (finish reason <c>stop</c>) are stored; cancelled, failed and length-truncated ones never are.</remarks>
public sealed record LlmCacheConfig
{
    /// <summary>Gets a value indicating whether the cache is used at all.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets how long an answer stays cached.</summary>
    /// <value>Defaults to 1 hour.</value>
    public TimeSpan Expiration { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Gets a value indicating whether clients may opt in with <c>"options": {"cache": true}</c> for a non-zero temperature.</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool AllowOptIn { get; init; } = true;
}
