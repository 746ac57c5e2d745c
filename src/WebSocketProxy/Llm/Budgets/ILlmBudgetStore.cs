namespace WebSocketProxy.Llm;

/// <summary>
/// Where LLM budgets are kept: the seam the chat and Realtime endpoints reserve, charge and (through the reservation)
/// reconcile through. The default is the in-memory <see cref="LlmBudgetLedger"/> (per process); the Redis package keeps
/// one shared set of windows per client key for every instance, with reservations that expire when their instance stops
/// renewing them.
/// </summary>
/// <remarks>Thread-safe. Implementations never throw for a store failure: they fail open or closed as configured.</remarks>
internal interface ILlmBudgetStore
{
    /// <summary>Reserves one request, <paramref name="tokens"/> tokens and <paramref name="cost"/> of money against every limit at once, or nothing.</summary>
    /// <param name="key">The client key (<c>user:</c>, <c>key:</c> or <c>ip:</c>).</param>
    /// <param name="limits">The limits that apply now (a reload changes them and keeps what was spent).</param>
    /// <param name="tokens">The tokens to reserve (input estimate plus the output bound).</param>
    /// <param name="cost">The money to reserve.</param>
    /// <param name="cancellationToken">Cancelled when the request is.</param>
    /// <returns>A reservation to reconcile and what remains, or the refusal's code, reason and wait.</returns>
    ValueTask<LlmBudgetResult> ReserveAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken);

    /// <summary>Charges tokens and money already spent (a Realtime response's usage); returns whether the budget is now exhausted.</summary>
    /// <param name="key">The client key.</param>
    /// <param name="limits">The limits that apply now.</param>
    /// <param name="tokens">The tokens spent.</param>
    /// <param name="cost">The money spent.</param>
    /// <param name="cancellationToken">Cancelled when the session ends.</param>
    /// <returns>Whether a further request would be refused now.</returns>
    ValueTask<bool> ChargeAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken);
}
