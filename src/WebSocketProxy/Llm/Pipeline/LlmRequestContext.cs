namespace WebSocketProxy.Llm;

/// <summary>
/// One model's request as a request stage (<c>UseLlmRequestStage</c>) sees it: before the budget, the cache and the
/// provider calls, with the prompt it may rewrite; after the next stage returned, what the request came to.
/// </summary>
public sealed class LlmRequestContext
{
    private IReadOnlyList<LlmMessage> _messages;

    internal LlmRequestContext(string user, string routePattern, string model, IReadOnlyList<LlmMessage> messages, IReadOnlyList<LlmTool>? tools, int? maxTokens, IServiceProvider services, CancellationToken requestAborted)
    {
        User = user;
        RoutePattern = routePattern;
        Model = model;
        _messages = messages;
        Tools = tools;
        MaxTokens = maxTokens;
        Services = services;
        RequestAborted = requestAborted;
    }

    /// <summary>Gets who pays: <c>user:{id}</c> for a verified user, <c>key:{id}</c> for a gateway API key, else <c>ip:{address}</c> (the budgets' key).</summary>
    public string User { get; }

    /// <summary>Gets the route pattern the socket was mapped on.</summary>
    public string RoutePattern { get; }

    /// <summary>Gets the model (its configured spelling) this request is for; a fan-out runs the stages once per model.</summary>
    public string Model { get; }

    /// <summary>Gets or sets the messages after the prompt policy; what a stage sets here is what the budget estimate, the cache key and the provider see.</summary>
    public IReadOnlyList<LlmMessage> Messages
    {
        get => _messages;
        set => _messages = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Gets the tools the client declared, if any.</summary>
    public IReadOnlyList<LlmTool>? Tools { get; }

    /// <summary>Gets the <c>max_tokens</c> after the route's cap, if any.</summary>
    public int? MaxTokens { get; }

    /// <summary>Gets the application's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Gets a token cancelled when the client cancels the request, disconnects or the server stops.</summary>
    public CancellationToken RequestAborted { get; }

    /// <summary>Gets how the request ended once the next stage returned: <c>completed</c>, <c>cache_hit</c>, <c>cancelled</c> or an error code; <see langword="null"/> before.</summary>
    public string? Outcome { get; internal set; }

    /// <summary>Gets the tokens billed for the request once the next stage returned.</summary>
    public LlmUsage? Usage { get; internal set; }

    /// <summary>Gets the request's price from the price table once the next stage returned (<see langword="null"/> without a price).</summary>
    public decimal? Cost { get; internal set; }

    internal (string Code, string Message, TimeSpan? RetryAfter)? Refusal { get; private set; }

    /// <summary>
    /// Refuses the request: the client gets one <c>chat.error</c> with <paramref name="errorCode"/>; no budget is reserved and
    /// no provider is called or cooled down. Return without calling the next stage.
    /// </summary>
    /// <param name="errorCode"><see cref="LlmErrorCodes.BadRequest"/>, <see cref="LlmErrorCodes.Unauthorized"/>, <see cref="LlmErrorCodes.RateLimited"/> or <see cref="LlmErrorCodes.QuotaExceeded"/>.</param>
    /// <param name="message">The text the client gets; the code's stable text when omitted. It must not echo secrets.</param>
    /// <param name="retryAfter">When the client may try again (sent as <c>retryAfterMs</c>).</param>
    public void Refuse(string errorCode, string? message = null, TimeSpan? retryAfter = null)
    {
        if (errorCode is not (LlmErrorCodes.BadRequest or LlmErrorCodes.Unauthorized or LlmErrorCodes.RateLimited or LlmErrorCodes.QuotaExceeded))
        {
            throw new ArgumentException("A stage refuses with bad_request, unauthorized, rate_limited or quota_exceeded.", nameof(errorCode));
        }

        Refusal = (errorCode, message ?? LlmErrorMessages.For(errorCode), retryAfter);
    }
}
