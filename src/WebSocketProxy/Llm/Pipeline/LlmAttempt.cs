using System.Text;

namespace WebSocketProxy.Llm;

/// <summary>The state of one model's answer across fallback attempts.</summary>
internal sealed class LlmAttempt(LlmCall call, LlmResponseStream stream, List<LlmTarget> targets, int estimatedInput, long startTimestamp)
{
    public LlmCall Call { get; } = call;

    public LlmResponseStream Stream { get; } = stream;

    public List<LlmTarget> Targets { get; } = targets;

    public int EstimatedInput { get; } = estimatedInput;

    public long StartTimestamp { get; } = startTimestamp;

    public int Next { get; set; }

    /// <summary>Gets the deployments already called for this answer.</summary>
    public HashSet<string> Tried { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the provider calls made so far.</summary>
    public int Attempts { get; set; }

    public LlmTarget? Current { get; set; }

    /// <summary>Gets the text deltas, replayed from the cache.</summary>
    public List<string> Chunks { get; } = [];

    /// <summary>Gets every part's text (text, reasoning, refusal, tool arguments): the output to estimate when the provider reports none.</summary>
    public StringBuilder Text { get; } = new();

    public bool Refused { get; set; }

    public bool CalledTools { get; set; }

    public LlmUsage Usage { get; set; } = new();

    public bool UsageReported { get; set; }

    public string? FinishReason { get; set; }

    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>Gets or sets the terminal frame, sent after the budget was reconciled (the cache is written afterwards, never before).</summary>
    public Func<decimal?, ValueTask>? Terminal { get; set; }

    public string Outcome { get; set; } = LlmErrorCodes.UpstreamError;

    public LlmUsage Billed { get; set; } = new() { InputTokens = 0, OutputTokens = 0, CachedTokens = 0, TotalTokens = 0 };

    /// <summary>Gets or sets the price of <see cref="Billed"/> once the request ended (<see langword="null"/> without a price).</summary>
    public decimal? Cost { get; set; }

    /// <summary>Gets the model whose output was billed: the current target's, else the requested one.</summary>
    public string BilledModel(string requested) => Current?.Model ?? requested;

    /// <summary>The output tokens of what streamed so far, counted for the answering model.</summary>
    /// <remarks>Never more than the <c>max_tokens</c> the provider was sent: it cannot have written more.</remarks>
    public int EstimatedOutput(string requested)
        => Math.Min(LlmTokenEstimator.EstimateOutput(BilledModel(requested), Text.ToString()), MaxOutputTokens ?? int.MaxValue);

    /// <summary>Gets or sets the <c>max_tokens</c> sent to the provider, if any.</summary>
    public int? MaxOutputTokens { get; set; }
}
