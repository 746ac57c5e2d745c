using System.Collections.Concurrent;

namespace WebSocketProxy.Llm;

/// <summary>
/// The budget accounts of every client key (see <see cref="LlmClientIdentity"/>): tokens per minute, tokens per UTC day,
/// requests per minute and money per UTC day. Limits are passed in on every reservation, so a configuration reload
/// changes the limits and keeps what everyone has spent.
/// </summary>
/// <remarks>
/// A reservation is taken atomically against every limit, so the reservations in flight plus what was spent never
/// exceed a limit. Accounts with nothing spent in an open window are removed by an occasional sweep. Thread-safe.
/// The default <see cref="ILlmBudgetStore"/> (per process); a shared store uses one as its fail-open fallback.
/// </remarks>
internal sealed class LlmBudgetLedger : ILlmBudgetStore
{
    private const int SweepEvery = 256;

    private readonly ConcurrentDictionary<string, LlmBudgetAccount> _accounts = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private int _sinceSweep;

    public LlmBudgetLedger(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Gets the number of accounts kept (for tests: invented keys must not pile up).</summary>
    public int AccountCount => _accounts.Count;

    /// <inheritdoc />
    public ValueTask<LlmBudgetResult> ReserveAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken)
        => ValueTask.FromResult(TryReserve(key, limits, tokens, cost));

    /// <inheritdoc />
    public ValueTask<bool> ChargeAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken)
        => ValueTask.FromResult(Charge(key, limits, tokens, cost));

    /// <summary>Reserves one request, <paramref name="tokens"/> tokens and <paramref name="cost"/> of money; on refusal returns the code, reason and wait.</summary>
    public LlmBudgetResult TryReserve(string key, LlmBudgetConfig limits, long tokens, decimal cost)
    {
        if (!limits.HasLimits)
        {
            return new LlmBudgetResult(LlmBudgetReservation.Unlimited, null, null, null, []);
        }

        if (Interlocked.Increment(ref _sinceSweep) % SweepEvery == 0)
        {
            Sweep();
        }

        var now = _time.GetUtcNow();
        while (true)
        {
            var account = _accounts.GetOrAdd(key, static _ => new LlmBudgetAccount());
            var result = account.TryReserve(limits, tokens, cost, now);
            if (result is not null)
            {
                return result.Value;
            }

            // The account was swept between GetOrAdd and the reservation; take the fresh one.
            _accounts.TryRemove(new KeyValuePair<string, LlmBudgetAccount>(key, account));
        }
    }

    /// <summary>Charges tokens and money already spent (a Realtime response's usage); returns whether the client's budget is now exhausted.</summary>
    public bool Charge(string key, LlmBudgetConfig limits, long tokens, decimal cost)
    {
        if (!limits.HasLimits)
        {
            return false;
        }

        var now = _time.GetUtcNow();
        while (true)
        {
            var account = _accounts.GetOrAdd(key, static _ => new LlmBudgetAccount());
            if (account.Charge(tokens, cost, now))
            {
                return account.IsExhausted(limits, now);
            }

            _accounts.TryRemove(new KeyValuePair<string, LlmBudgetAccount>(key, account));
        }
    }

    /// <summary>Removes accounts with nothing in an open window; a removed account refuses further reservations so they retry on a new one.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, account) in _accounts)
        {
            if (account.TryRetire(now))
            {
                _accounts.TryRemove(new KeyValuePair<string, LlmBudgetAccount>(key, account));
            }
        }
    }
}
