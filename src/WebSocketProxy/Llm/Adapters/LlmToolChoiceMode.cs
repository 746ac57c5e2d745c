namespace WebSocketProxy.Llm;

/// <summary>Whether and which tool the model must call.</summary>
public enum LlmToolChoiceMode
{
    /// <summary>The model decides.</summary>
    Auto,

    /// <summary>The model must not call a tool.</summary>
    None,

    /// <summary>The model must call at least one tool.</summary>
    Required,

    /// <summary>The model must call the function named by <see cref="LlmToolChoice.FunctionName"/>.</summary>
    Function,
}
