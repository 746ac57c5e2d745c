namespace WebSocketProxy.Llm;

/// <summary>One chat message.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The text of the message (for a multimodal message, its text parts; for a <c>tool</c> message, the tool's result).</param>
public sealed record LlmMessage(string Role, string Content)
{
    /// <summary>Gets the parts of a multimodal message (texts and images), sent instead of <see cref="Content"/>.</summary>
    /// <value><see langword="null"/>: the message is <see cref="Content"/> alone.</value>
    public IReadOnlyList<LlmContentPart>? Parts { get; init; }

    /// <summary>Gets the tool calls an <c>assistant</c> message made.</summary>
    public IReadOnlyList<LlmToolCall>? ToolCalls { get; init; }

    /// <summary>Gets the id of the call whose result a <c>tool</c> message carries.</summary>
    public string? ToolCallId { get; init; }
}
