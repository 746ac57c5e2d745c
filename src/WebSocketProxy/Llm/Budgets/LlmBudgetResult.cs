namespace WebSocketProxy.Llm;

/// <summary>The outcome of <see cref="LlmBudgetLedger.TryReserve"/>: a reservation and what remains, or the refusal's code, reason and wait.</summary>
internal readonly record struct LlmBudgetResult(LlmBudgetReservation? Reservation, string? ErrorCode, string? Message, TimeSpan? RetryAfter, IReadOnlyList<LlmBudgetRemaining> Remaining);

/// <summary>What remains of one limit after a reservation, for the <c>ratelimit.updated</c> frame.</summary>
internal readonly record struct LlmBudgetRemaining(string Name, decimal Limit, decimal Remaining, TimeSpan ResetIn);
