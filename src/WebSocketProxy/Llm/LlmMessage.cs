namespace WebSocketProxy.Llm;

/// <summary>One chat message.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c> or <c>assistant</c>.</param>
/// <param name="Content">The text of the message.</param>
public sealed record LlmMessage(string Role, string Content);
