namespace WebSocketProxy.Llm;

/// <summary>Response cache settings (HybridCache; in memory unless a distributed cache is registered).</summary>
/// <remarks>
/// Only complete text answers (finish reason <c>stop</c>, some text, no refusal, no tool call) from the route's first
/// target are stored; cancelled, failed, empty, refused and length-truncated ones never are. The key covers the route,
/// the first target's provider and model, the client (unless <see cref="Shared"/>), the messages with their images and
/// tool calls, the tools and every option. The write never delays the terminal frame.
/// </remarks>
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

    /// <summary>Gets a value indicating whether clients of one route share answers; otherwise each client (user, API key or IP) has its own.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Shared { get; init; }
}
