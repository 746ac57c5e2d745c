namespace WebSocketProxy.Llm;

/// <summary>Names of the built-in adapters, used as a provider's <see cref="LlmProviderConfig.Type"/>.</summary>
public static class LlmAdapterNames
{
    /// <summary>OpenAI Chat Completions (<c>POST {BaseUrl}/chat/completions</c>, SSE), also any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, OpenRouter).</summary>
    public const string OpenAIChat = "openai";

    /// <summary>OpenAI Responses (<c>POST {BaseUrl}/responses</c>, SSE).</summary>
    public const string OpenAIResponses = "openai-responses";

    /// <summary>Anthropic Messages (<c>POST {BaseUrl}/messages</c>, SSE).</summary>
    public const string Anthropic = "anthropic";

    /// <summary>Ollama (<c>POST {BaseUrl}/api/chat</c>, NDJSON).</summary>
    public const string Ollama = "ollama";

    /// <summary>Any <c>Microsoft.Extensions.AI</c> <c>IChatClient</c> in the service container: keyed by the provider's name, else the unkeyed one.</summary>
    public const string ChatClient = "chat-client";
}
