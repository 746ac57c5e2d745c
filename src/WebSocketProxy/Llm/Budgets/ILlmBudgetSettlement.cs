namespace WebSocketProxy.Llm;

/// <summary>Whoever holds a reservation's windows (an in-memory account or a shared store): settles it once with what was really spent.</summary>
internal interface ILlmBudgetSettlement
{
    /// <summary>Replaces the reservation by what was spent: gives back the difference (within the same windows) or charges it.</summary>
    /// <param name="reservation">The reservation, reconciled once.</param>
    /// <param name="tokens">The tokens really spent.</param>
    /// <param name="cost">The money really spent.</param>
    /// <param name="now">The time of the reconciliation.</param>
    void Reconcile(LlmBudgetReservation reservation, long tokens, decimal cost, DateTimeOffset now);
}
