namespace WebSocketProxy.Llm;

/// <summary>One event of a provider's normalised stream: a delta of one part of the answer, a usage report, the finish, or an error.</summary>
/// <remarks>
/// A delta belongs to a part (<see cref="Part"/>, <see cref="PartId"/>): the fragments of one part share its id, and
/// parts of different types may interleave. A tool call's first fragment carries <see cref="ToolName"/>; its
/// <see cref="Text"/> fragments concatenate to the call's JSON arguments.
/// </remarks>
public sealed class LlmStreamEvent
{
    private LlmStreamEvent(LlmStreamEventKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets what the event carries.</summary>
    public LlmStreamEventKind Kind { get; }

    /// <summary>Gets the fragment of a <see cref="LlmStreamEventKind.Delta"/>: text, reasoning or refusal text, or a piece of a tool call's JSON arguments.</summary>
    public string? Text { get; private init; }

    /// <summary>Gets the part a <see cref="LlmStreamEventKind.Delta"/> belongs to.</summary>
    /// <value><see cref="LlmPartType.Text"/> for every other kind.</value>
    public LlmPartType Part { get; private init; }

    /// <summary>Gets the id of the delta's part: the provider's tool-call id for <see cref="LlmPartType.ToolCall"/>, else the provider's item id or content-block index, else the part type's name; <see langword="null"/> when the adapter did not say.</summary>
    public string? PartId { get; private init; }

    /// <summary>Gets the function name of a <see cref="LlmPartType.ToolCall"/> delta; set on the call's first fragment, <see langword="null"/> on later ones.</summary>
    public string? ToolName { get; private init; }

    /// <summary>Gets the figures of a <see cref="LlmStreamEventKind.Usage"/> event; <see langword="null"/> fields were not reported.</summary>
    public LlmUsage? Usage { get; private init; }

    /// <summary>Gets the normalised finish reason of a <see cref="LlmStreamEventKind.Finish"/>: <c>stop</c>, <c>length</c>, <c>content_filter</c>, <c>tool_calls</c>, <c>unknown</c> or the provider's own.</summary>
    public string? FinishReason { get; private init; }

    /// <summary>Gets the provider's error code or type of an <see cref="LlmStreamEventKind.Error"/>, if it gave one.</summary>
    public string? ErrorCode { get; private init; }

    /// <summary>Gets the provider's error message of an <see cref="LlmStreamEventKind.Error"/>; it goes to the server log (redacted), never to the client.</summary>
    public string? ErrorMessage { get; private init; }

    /// <summary>Gets the provider's id of the request that failed (<c>x-request-id</c>, <c>request-id</c>), which the client receives for support.</summary>
    public string? ProviderRequestId { get; private init; }

    /// <summary>Creates a delta of the answer's text, without a part id.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent TextDelta(string text) => Delta(LlmPartType.Text, null, text);

    /// <summary>Creates a delta of a text, reasoning or refusal part.</summary>
    /// <param name="part">The part type; tool calls use <see cref="ToolCallDelta"/>.</param>
    /// <param name="partId">The part's id, if the adapter knows one.</param>
    /// <param name="text">The fragment.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent Delta(LlmPartType part, string? partId, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (part is LlmPartType.ToolCall || !Enum.IsDefined(part))
        {
            throw new ArgumentOutOfRangeException(nameof(part), part, "Use ToolCallDelta for tool calls.");
        }

        return new(LlmStreamEventKind.Delta) { Part = part, PartId = partId, Text = text };
    }

    /// <summary>Creates a fragment of a tool call.</summary>
    /// <param name="callId">The provider's id of the call, which a later tool-result message refers to.</param>
    /// <param name="name">The function name, on the call's first fragment; else <see langword="null"/>.</param>
    /// <param name="arguments">A piece of the call's JSON arguments (may be empty on the first fragment).</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent ToolCallDelta(string callId, string? name, string arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(callId);
        ArgumentNullException.ThrowIfNull(arguments);
        return new(LlmStreamEventKind.Delta) { Part = LlmPartType.ToolCall, PartId = callId, ToolName = name, Text = arguments };
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
    public static LlmStreamEvent Failed(string? code, string message) => Failed(code, message, null);

    /// <summary>Creates an error event with the provider's request id.</summary>
    /// <param name="code">The provider's error code or type, if any.</param>
    /// <param name="message">The provider's message (logged, redacted; never sent to the client).</param>
    /// <param name="providerRequestId">The provider's request id, if it gave one.</param>
    /// <returns>The event.</returns>
    public static LlmStreamEvent Failed(string? code, string message, string? providerRequestId)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(LlmStreamEventKind.Error) { ErrorCode = code, ErrorMessage = message, ProviderRequestId = providerRequestId };
    }
}
