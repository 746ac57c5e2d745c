namespace WebSocketProxy.Llm;

/// <summary>A tool call the model made earlier in the conversation, sent back on an <c>assistant</c> message.</summary>
/// <param name="Id">The provider's id of the call, which the <c>tool</c> message with its result refers to.</param>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">The call's arguments as a JSON object text.</param>
public sealed record LlmToolCall(string Id, string Name, string Arguments);
