namespace WebSocketProxy.Llm;

/// <summary>A user stage registered with <c>UseLlmStage</c>: wraps the adapter of each provider call, like a <c>ChatClientBuilder</c> decorator.</summary>
internal sealed record LlmStage(Func<ILlmStreamAdapter, IServiceProvider, ILlmStreamAdapter> Wrap);
