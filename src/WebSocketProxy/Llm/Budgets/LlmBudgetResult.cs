namespace WebSocketProxy.Llm;

/// <summary>The outcome of <see cref="LlmBudgets.TryReserve"/>: a reservation, or the refusal's code, reason and wait.</summary>
internal readonly record struct LlmBudgetResult(LlmBudgetReservation? Reservation, string? ErrorCode, string? Message, TimeSpan? RetryAfter);
