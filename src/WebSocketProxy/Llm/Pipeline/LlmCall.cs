namespace WebSocketProxy.Llm;

/// <summary>One client request after the prompt policy, shared by the models it fans out to.</summary>
internal sealed class LlmCall
{
    public required string RoutePattern { get; init; }

    public required string User { get; init; }

    public required LlmBudgetConfig Budgets { get; init; }

    public required LlmOptions Options { get; init; }

    public required LlmRouteConfig Route { get; init; }

    public required LlmClientRequest Request { get; init; }

    public required IReadOnlyList<LlmMessage> Messages { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>The same call with the messages a request stage rewrote.</summary>
    public LlmCall WithMessages(IReadOnlyList<LlmMessage> messages) => new()
    {
        RoutePattern = RoutePattern,
        User = User,
        Budgets = Budgets,
        Options = Options,
        Route = Route,
        Request = Request,
        Messages = messages,
        MaxTokens = MaxTokens,
    };
}
