namespace WebSocketProxy.Llm;

/// <summary>Token counts of one answer, normalised across providers.</summary>
/// <remarks>
/// <see cref="InputTokens"/> includes cached input tokens (as OpenAI counts them); <see cref="CachedTokens"/> is the
/// part of the input served from the provider's prompt cache. A <see langword="null"/> field was not reported.
/// </remarks>
public sealed record LlmUsage
{
    /// <summary>Gets the input (prompt) tokens.</summary>
    public int? InputTokens { get; init; }

    /// <summary>Gets the output (completion) tokens.</summary>
    public int? OutputTokens { get; init; }

    /// <summary>Gets the input tokens served from the provider's prompt cache.</summary>
    public int? CachedTokens { get; init; }

    /// <summary>Gets the total tokens.</summary>
    public int? TotalTokens { get; init; }

    /// <summary>Gets a value indicating whether any figure was estimated by the gateway rather than reported by the provider.</summary>
    public bool Estimated { get; init; }
}
