namespace WebSocketProxy.Llm;

/// <summary>Tokens and money reserved for one request; reconciled once with what the request really spent.</summary>
internal sealed class LlmBudgetReservation
{
    private readonly ILlmBudgetSettlement? _owner;
    private int _reconciled;

    public LlmBudgetReservation(ILlmBudgetSettlement? owner, long tokens, decimal cost, DateTimeOffset minuteEnd, DateTimeOffset dayEnd, DateTimeOffset costEnd)
    {
        _owner = owner;
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

    /// <summary>Gets the client key the reservation was taken for (set by shared stores).</summary>
    public string? Key { get; init; }

    /// <summary>Gets the reservation's id in a shared store (it expires there unless its instance renews it).</summary>
    public string? Id { get; init; }

    /// <summary>Gets whether the reservation was given back or settled.</summary>
    public bool IsReconciled => Volatile.Read(ref _reconciled) != 0;

    public void Reconcile(long tokens, decimal cost, DateTimeOffset now)
    {
        if (_owner is null || Interlocked.Exchange(ref _reconciled, 1) != 0)
        {
            return;
        }

        _owner.Reconcile(this, tokens, cost, now);
    }
}
