namespace WebSocketProxy.Llm;

/// <summary>Tokens and money reserved for one request; reconciled once with what the request really spent.</summary>
internal sealed class LlmBudgetReservation
{
    private readonly LlmBudgetAccount? _account;
    private int _reconciled;

    public LlmBudgetReservation(LlmBudgetAccount? account, long tokens, decimal cost, DateTimeOffset minuteEnd, DateTimeOffset dayEnd, DateTimeOffset costEnd)
    {
        _account = account;
        Tokens = tokens;
        Cost = cost;
        MinuteEnd = minuteEnd;
        DayEnd = dayEnd;
        CostEnd = costEnd;
    }

    /// <summary>Gets the reservation of a client without limits: nothing to reconcile.</summary>
    public static LlmBudgetReservation Unlimited { get; } = new(null, 0, 0, default, default, default);

    public long Tokens { get; }

    public decimal Cost { get; }

    public DateTimeOffset MinuteEnd { get; }

    public DateTimeOffset DayEnd { get; }

    public DateTimeOffset CostEnd { get; }

    /// <summary>Gets whether the reservation was given back or settled.</summary>
    public bool IsReconciled => Volatile.Read(ref _reconciled) != 0;

    public void Reconcile(long tokens, decimal cost, DateTimeOffset now)
    {
        if (_account is null || Interlocked.Exchange(ref _reconciled, 1) != 0)
        {
            return;
        }

        _account.Reconcile(this, tokens, cost, now);
    }
}
