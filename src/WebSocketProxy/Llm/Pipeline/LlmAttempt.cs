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

    public LlmTarget? Current { get; set; }

    public List<string> Chunks { get; } = [];

    public StringBuilder Text { get; } = new();

    public LlmUsage Usage { get; set; } = new();

    public bool UsageReported { get; set; }

    public string? FinishReason { get; set; }

    public TimeSpan? TimeToFirstToken { get; set; }

    /// <summary>Gets or sets the terminal frame, sent after the budget was reconciled and the cache written, so a client that reacts to it sees both.</summary>
    public Func<ValueTask>? Terminal { get; set; }

    public string Outcome { get; set; } = LlmErrorCodes.UpstreamError;

    public LlmUsage Billed { get; set; } = new() { InputTokens = 0, OutputTokens = 0, CachedTokens = 0, TotalTokens = 0 };
}
