namespace WebSocketProxy.Llm;

/// <summary>What an <see cref="LlmStreamEvent"/> carries.</summary>
public enum LlmStreamEventKind
{
    /// <summary>A fragment of one part of the answer (text, reasoning, refusal or a tool call's arguments); see <see cref="LlmStreamEvent.Part"/>.</summary>
    Delta,

    /// <summary>Token counts reported by the provider; later reports replace earlier figures field by field.</summary>
    Usage,

    /// <summary>The answer is complete; carries the finish reason.</summary>
    Finish,

    /// <summary>The provider reported an error in the stream.</summary>
    Error,
}
