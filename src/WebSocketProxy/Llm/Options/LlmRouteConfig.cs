using WebSocketProxy.Configuration;

namespace WebSocketProxy.Llm;

/// <summary>The policy of one LLM route: which providers serve it, in which order, and what requests may ask for.</summary>
public sealed record LlmRouteConfig
{
    /// <summary>
    /// Gets the ordered targets tried for a request: <c>provider</c> serves the requested model if the provider lists it
    /// (or lists no models); <c>provider/model</c> is a fixed fallback tried for any model. The next target is tried only
    /// when the previous one failed before anything was sent to the client.
    /// </summary>
    /// <value>Empty by default: every configured provider that serves the model, in configuration order.</value>
    public IReadOnlyList<string> Targets { get; init; } = [];

    /// <summary>Gets the model used when a request names none.</summary>
    /// <value>None by default: requests must name a model.</value>
    public string? DefaultModel { get; init; }

    /// <summary>Gets the models clients may ask for; empty allows any model a target serves.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Gets the system prompt put before the client's messages.</summary>
    /// <value>None by default.</value>
    public string? SystemPrompt { get; init; }

    /// <summary>Gets a value indicating whether clients may send their own <c>system</c> messages.</summary>
    /// <value>
    /// Defaults to <see langword="null"/>: allowed while the route has no <see cref="SystemPrompt"/>, refused once it has
    /// one (a client's "ignore all previous instructions" must not follow the operator's prompt unless the operator says so).
    /// </value>
    public bool? AllowClientSystemMessages { get; init; }

    /// <summary>Gets the named prompt templates; a request with <c>template</c> and <c>variables</c> becomes one user message with each <c>{{name}}</c> replaced.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the largest <c>max_tokens</c> a request may ask for; also the value used when a request sets none.</summary>
    /// <value>None by default.</value>
    public int? MaxTokensCap { get; init; }

    /// <summary>Gets the origins (<c>scheme://host[:port]</c>) whose browser pages may open this route; <c>*</c> allows any (same rules as a proxy route's <c>AllowedOrigins</c>).</summary>
    /// <value>Empty by default: same-origin browser pages and clients without an <c>Origin</c>.</value>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>Gets whether a handshake without an <c>Origin</c> header (a non-browser client) is accepted.</summary>
    /// <value>Defaults to <see langword="true"/> while <see cref="AllowedOrigins"/> is empty and to <see langword="false"/> once it lists origins.</value>
    public bool? AllowMissingOrigin { get; init; }

    /// <summary>Gets how many LLM sockets may be open at once per client IP address and per user.</summary>
    /// <value>No limit by default.</value>
    public ConcurrentConnectionLimitConfig? ConcurrentConnections { get; init; }

    /// <summary>Gets the output tokens reserved against the budget when a request sets no <c>max_tokens</c> and the route has no cap.</summary>
    /// <value>Defaults to 1024.</value>
    public int DefaultMaxTokensEstimate { get; init; } = 1024;
}
