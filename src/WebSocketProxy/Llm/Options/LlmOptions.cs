namespace WebSocketProxy.Llm;

/// <summary>LLM mode settings, bound from <c>WebSocketProxy:Llm</c>.</summary>
/// <remarks>Read when a request starts: a reload applies to the next request.</remarks>
public sealed class LlmOptions
{
    /// <summary>The configuration section of LLM mode under the proxy's own section (<c>WebSocketProxy:Llm</c>).</summary>
    public const string SectionName = "Llm";

    /// <summary>Gets the model providers, keyed by name.</summary>
    /// <value>Empty by default. Keys are compared case-insensitively.</value>
    public IDictionary<string, LlmProviderConfig> Providers { get; } = new Dictionary<string, LlmProviderConfig>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the LLM routes' policies, keyed by route id (chosen in code with <c>UseRoute</c>).</summary>
    /// <value>Empty by default. Keys are compared case-insensitively.</value>
    public IDictionary<string, LlmRouteConfig> Routes { get; } = new Dictionary<string, LlmRouteConfig>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the token and request budgets per user or API key.</summary>
    /// <value>No limits by default.</value>
    public LlmBudgetConfig Budgets { get; set; } = new();

    /// <summary>Gets or sets the response cache settings.</summary>
    /// <value>Enabled for temperature 0 by default.</value>
    public LlmCacheConfig Cache { get; set; } = new();

    /// <summary>Gets the price table used to estimate a request's cost in the usage log, keyed by model id.</summary>
    /// <value>Empty by default: no cost is logged.</value>
    public IDictionary<string, LlmPrice> Prices { get; } = new Dictionary<string, LlmPrice>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the largest client message accepted; a larger one closes the socket with 1009.</summary>
    /// <value>Defaults to 1 MiB.</value>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets how many answers may stream on one socket at once (each model of a fan-out counts); more are refused with <c>rate_limited</c>.</summary>
    /// <value>Defaults to 16.</value>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Gets or sets how many different models one request may fan out to with <c>models</c>; more are refused with <c>bad_request</c>.</summary>
    /// <value>Defaults to 4.</value>
    public int MaxModelsPerRequest { get; set; } = 4;

    /// <summary>
    /// Gets or sets how long a frame may wait for a client that stopped reading: past it the request is cancelled (upstream
    /// aborted, reservation given back), and a socket write that takes longer aborts the socket.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the gateway-issued API keys, keyed by key id (see <see cref="LlmApiKeyConfig"/>); keys issued at run time live in <see cref="LlmApiKeyStore"/>.</summary>
    /// <value>Empty by default. Keys are compared case-insensitively.</value>
    public IDictionary<string, LlmApiKeyConfig> ApiKeys { get; } = new Dictionary<string, LlmApiKeyConfig>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how many frames wait for one socket's writer before senders wait (internal: tests make it small).</summary>
    internal int OutboxCapacity { get; set; } = 256;
}
