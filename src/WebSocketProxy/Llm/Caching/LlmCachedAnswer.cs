namespace WebSocketProxy.Llm;

/// <summary>A cached answer: its deltas as they arrived (replayed one by one), finish reason and original usage.</summary>
internal sealed class LlmCachedAnswer
{
    public List<string> Chunks { get; set; } = [];

    public string FinishReason { get; set; } = "stop";

    public string? Provider { get; set; }

    public int? InputTokens { get; set; }

    public int? OutputTokens { get; set; }

    public int? CachedTokens { get; set; }

    public int? TotalTokens { get; set; }
}
