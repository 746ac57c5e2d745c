namespace WebSocketProxy.Llm;

/// <summary>One model provider: which adapter talks to it, where, and with which key.</summary>
public sealed record LlmProviderConfig
{
    /// <summary>Gets the adapter name (see <see cref="LlmAdapterNames"/>, or a name given to <c>AddLlmStreamAdapter</c>).</summary>
    /// <value>Defaults to <see cref="LlmAdapterNames.OpenAIChat"/>.</value>
    public string Type { get; init; } = LlmAdapterNames.OpenAIChat;

    /// <summary>Gets the base URL of the provider's API.</summary>
    /// <value>
    /// Defaults per type: <c>https://api.openai.com/v1</c> (OpenAI), <c>https://api.anthropic.com/v1</c> (Anthropic),
    /// <c>http://localhost:11434</c> (Ollama).
    /// </value>
    public string? BaseUrl { get; init; }

    /// <summary>Gets the API key sent to the provider. Keep it in user secrets or the environment; it is never logged and never comes from clients.</summary>
    /// <value>None by default (local servers need none).</value>
    public string? ApiKey { get; init; }

    /// <summary>Gets the model ids this provider serves; empty means any model.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Gets how long one request may take from sending to the last token; exceeded → <c>timeout</c>.</summary>
    /// <value>Defaults to 5 minutes.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}
