namespace WebSocketProxy.Llm;

/// <summary>A validated gateway API key, as a <see cref="ILlmApiKeyStore"/> returns it.</summary>
/// <param name="Id">The key's id: its budget account and the <c>key:</c> user of usage records. Never the key itself.</param>
public sealed record LlmApiKey(string Id)
{
    /// <summary>Gets the models requests with this key may ask for; empty allows what the route allows.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Gets the budgets of this key, replacing the global ones.</summary>
    /// <value><see langword="null"/>: the global budgets apply.</value>
    public LlmBudgetConfig? Budgets { get; init; }
}
