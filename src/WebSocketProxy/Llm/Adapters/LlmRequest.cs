namespace WebSocketProxy.Llm;

/// <summary>A chat request as an adapter receives it: the provider's settings, the model and the normalised messages.</summary>
public sealed class LlmRequest
{
    /// <summary>Gets the name of the provider under <c>WebSocketProxy:Llm:Providers</c>.</summary>
    public required string ProviderName { get; init; }

    /// <summary>Gets the provider's settings (base URL, API key) from configuration; never from the client.</summary>
    public required LlmProviderConfig Provider { get; init; }

    /// <summary>Gets who the request is charged to: <c>user:…</c>, <c>key:…</c> or <c>ip:…</c> (for stages: per-user quotas, audit).</summary>
    /// <value>Empty when the request did not come through a socket.</value>
    public string User { get; init; } = string.Empty;

    /// <summary>Gets the route pattern the request came in on.</summary>
    /// <value>Empty when the request did not come through a socket.</value>
    public string RoutePattern { get; init; } = string.Empty;

    /// <summary>Gets the model id sent to the provider.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the messages, with the route's system prompt and template already applied.</summary>
    public required IReadOnlyList<LlmMessage> Messages { get; init; }

    /// <summary>Gets the sampling temperature, if the client set one.</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets the nucleus sampling value, if the client set one.</summary>
    public double? TopP { get; init; }

    /// <summary>Gets the maximum number of output tokens, after the route's cap.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Gets the sequences that end the answer (at most four).</summary>
    /// <value><see langword="null"/>: none.</value>
    public IReadOnlyList<string>? Stop { get; init; }

    /// <summary>Gets the sampling seed, for providers that support reproducible sampling.</summary>
    public long? Seed { get; init; }

    /// <summary>Gets the client's <c>response_format</c> in OpenAI's shape (<c>text</c>, <c>json_object</c>, or <c>json_schema</c> with <c>name</c> and <c>schema</c>).</summary>
    /// <value><see langword="null"/>: free text.</value>
    public System.Text.Json.JsonElement? ResponseFormat { get; init; }

    /// <summary>Gets the context window the client asked for (Ollama's <c>num_ctx</c>); other providers refuse it.</summary>
    public int? ContextWindow { get; init; }

    /// <summary>Gets the functions the model may call.</summary>
    /// <value><see langword="null"/> or empty: no tools are sent.</value>
    public IReadOnlyList<LlmTool>? Tools { get; init; }

    /// <summary>Gets whether and which tool the model must call.</summary>
    /// <value><see langword="null"/>: the provider's default (the model decides).</value>
    public LlmToolChoice? ToolChoice { get; init; }
}
