namespace WebSocketProxy.Llm;

/// <summary>What a delta of the answer belongs to; a <c>chat.delta</c> frame carries it as <c>part</c>.</summary>
public enum LlmPartType
{
    /// <summary>The answer's text (<c>part: "text"</c>).</summary>
    Text,

    /// <summary>The model's reasoning or reasoning summary, streamed before or between answer parts (<c>part: "reasoning"</c>).</summary>
    Reasoning,

    /// <summary>The model's refusal to answer, in place of text (<c>part: "refusal"</c>).</summary>
    Refusal,

    /// <summary>A call of one of the request's tools; fragments carry its JSON arguments as they stream (<c>part: "tool_call"</c>).</summary>
    ToolCall,
}
