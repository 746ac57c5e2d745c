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

    /// <summary>
    /// Gets the deployments that share this provider's load (several keys, regions or endpoints): each request goes to
    /// the least busy one that is not cooling down (ties at random), and a failure before the first delta tries the next.
    /// </summary>
    /// <value>Empty by default: the provider itself is the one deployment.</value>
    public IReadOnlyList<LlmDeploymentConfig> Deployments { get; init; } = [];

    /// <summary>
    /// Gets how long a deployment rests after a 429 (or a 503) that named no wait; a <c>Retry-After</c>, <c>retry-after-ms</c>
    /// or <c>x-ratelimit-reset-*</c> header is honoured instead, up to 5 minutes. Requests meanwhile go to other
    /// deployments and targets, or are refused with <c>rate_limited</c> and the remaining wait, without calling the provider.
    /// </summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromSeconds(5);
}
