namespace WebSocketProxy.Llm;

/// <summary>A request stage registered with <c>UseLlmRequestStage</c>.</summary>
internal sealed record LlmRequestStage(Func<LlmRequestContext, LlmRequestDelegate, ValueTask> Invoke);
