namespace WebSocketProxy.Llm;

/// <summary>What an <see cref="LlmStreamEvent"/> carries.</summary>
public enum LlmStreamEventKind
{
    /// <summary>A piece of the answer's text.</summary>
    TextDelta,

    /// <summary>Token counts reported by the provider; later reports replace earlier figures field by field.</summary>
    Usage,

    /// <summary>The answer is complete; carries the finish reason.</summary>
    Finish,

    /// <summary>The provider reported an error in the stream.</summary>
    Error,
}
