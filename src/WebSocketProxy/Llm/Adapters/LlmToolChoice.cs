namespace WebSocketProxy.Llm;

/// <summary>The request's <c>tool_choice</c>: whether and which of its tools the model must call.</summary>
public sealed record LlmToolChoice
{
    private LlmToolChoice(LlmToolChoiceMode mode, string? functionName)
    {
        Mode = mode;
        FunctionName = functionName;
    }

    /// <summary>Gets the choice that lets the model decide.</summary>
    public static LlmToolChoice Auto { get; } = new(LlmToolChoiceMode.Auto, null);

    /// <summary>Gets the choice that forbids tool calls.</summary>
    public static LlmToolChoice None { get; } = new(LlmToolChoiceMode.None, null);

    /// <summary>Gets the choice that requires at least one tool call.</summary>
    public static LlmToolChoice Required { get; } = new(LlmToolChoiceMode.Required, null);

    /// <summary>Gets the mode.</summary>
    public LlmToolChoiceMode Mode { get; }

    /// <summary>Gets the function the model must call, for <see cref="LlmToolChoiceMode.Function"/>.</summary>
    public string? FunctionName { get; }

    /// <summary>Creates the choice that requires a call of one function.</summary>
    /// <param name="name">The function name.</param>
    /// <returns>The choice.</returns>
    public static LlmToolChoice Function(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(LlmToolChoiceMode.Function, name);
    }
}
