namespace WebSocketProxy.Llm;

/// <summary>One event of a provider's normalised stream: a text delta, a usage report, the finish, or an error.</summary>
public sealed class LlmStreamEvent
{
    private LlmStreamEvent(LlmStreamEventKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets what the event carries.</summary>
    public LlmStreamEventKind Kind { get; }

    /// <summary>Gets the text of a <see cref="LlmStreamEventKind.TextDelta"/>.</summary>
    public string? Text { get; private init; }

    /// <summary>Gets the figures of a <see cref="LlmStreamEventKind.Usage"/> event; <see langword="null"/> fields were not reported.</summary>
    public LlmUsage? Usage { get; private init; }

    /// <summary>Gets the normalised finish reason of a <see cref="LlmStreamEventKind.Finish"/>: <c>stop</c>, <c>length</c>, <c>content_filter</c>, <c>tool_calls</c> or the provider's own.</summary>
    public string? FinishReason { get; private init; }

    /// <summary>Gets the provider's error code or type of an <see cref="LlmStreamEventKind.Error"/>, if it gave one.</summary>
    public string? ErrorCode { get; private init; }

    /// <summary>Gets the provider's error message of an <see cref="LlmStreamEventKind.Error"/>.</summary>
    public string? ErrorMessage { get; private init; }

    /// <summary>Creates a text delta.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent TextDelta(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(LlmStreamEventKind.TextDelta) { Text = text };
    }

    /// <summary>Creates a usage report.</summary>
    /// <param name="usage">The figures the provider reported.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent UsageReport(LlmUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new(LlmStreamEventKind.Usage) { Usage = usage };
    }

    /// <summary>Creates the finish event.</summary>
    /// <param name="finishReason">The normalised finish reason.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent Finished(string finishReason)
    {
        ArgumentException.ThrowIfNullOrEmpty(finishReason);
        return new(LlmStreamEventKind.Finish) { FinishReason = finishReason };
    }

    /// <summary>Creates an error event.</summary>
    /// <param name="code">The provider's error code or type, if any.</param>
    /// <param name="message">The provider's message.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent Failed(string? code, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(LlmStreamEventKind.Error) { ErrorCode = code, ErrorMessage = message };
    }
}
