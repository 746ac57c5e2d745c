namespace WebSocketProxy.Llm;

/// <summary>A gateway-issued API key in configuration (<c>WebSocketProxy:Llm:ApiKeys:&lt;id&gt;</c>): its hash, never the key itself.</summary>
public sealed record LlmApiKeyConfig
{
    /// <summary>Gets the SHA-256 of the key's UTF-8 bytes, as 64 hexadecimal digits (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string? Sha256 { get; init; }

    /// <summary>Gets the models requests with this key may ask for, on top of the route's own allow-list; empty allows what the route allows.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Gets a value indicating whether the key is revoked: its handshakes get 401 and its open sockets' requests <c>unauthorized</c>.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Revoked { get; init; }

    /// <summary>Gets budgets for this key that replace <see cref="LlmOptions.Budgets"/>.</summary>
    /// <value>None by default: the global budgets apply.</value>
    public LlmBudgetConfig? Budgets { get; init; }
}
