namespace WebSocketProxy.Llm;

/// <summary>Tokens reserved for one request; reconciled once with the tokens the request really used.</summary>
internal sealed class LlmBudgetReservation(List<TokenWindowLease> leases, int reserved)
{
    private int _reconciled;

    public int Reserved { get; } = reserved;

    public void Reconcile(int actual)
    {
        if (Interlocked.Exchange(ref _reconciled, 1) != 0)
        {
            return;
        }

        foreach (var lease in leases)
        {
            lease.Reconcile(actual);
            lease.Dispose();
        }
    }
}
