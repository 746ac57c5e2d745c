namespace WebSocketProxy.Llm;

/// <summary>The rest of the request pipeline after a request stage: the next stage, or the budget, cache and provider calls.</summary>
/// <param name="context">The request.</param>
/// <returns>A task that completes when the request has ended and its terminal frame was sent.</returns>
public delegate ValueTask LlmRequestDelegate(LlmRequestContext context);
