using System.Collections.Concurrent;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// The default <see cref="IUsageTotals"/>: this process's totals of today and yesterday (UTC), per client key and model.
/// Older days are dropped as a new day starts, so the totals stay bounded; the Redis package keeps them longer and for
/// every instance.
/// </summary>
internal sealed class LlmUsageTotals : IUsageTotals
{
    private readonly ConcurrentDictionary<(DateOnly Day, string Client, string Model), Counters> _totals = new();
    private DateOnly _newest;

    /// <inheritdoc />
    public ValueTask AddAsync(UsageTotal usage, CancellationToken cancellationToken)
    {
        if (usage.Day > _newest)
        {
            _newest = usage.Day;
            foreach (var key in _totals.Keys)
            {
                if (key.Day < usage.Day.AddDays(-1))
                {
                    _totals.TryRemove(key, out _);
                }
            }
        }

        _totals.GetOrAdd((usage.Day, usage.Client, usage.Model), static _ => new Counters()).Add(usage);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UsageTotal>?> ReadAsync(DateOnly day, string? client, string? model, CancellationToken cancellationToken)
    {
        var list = new List<UsageTotal>();
        foreach (var ((d, c, m), counters) in _totals)
        {
            if (d == day && (client is null || c == client) && (model is null || m == model))
            {
                list.Add(counters.ToTotal(d, c, m));
            }
        }

        list.Sort(static (a, b) => a.Client == b.Client ? string.CompareOrdinal(a.Model, b.Model) : string.CompareOrdinal(a.Client, b.Client));
        return Task.FromResult<IReadOnlyList<UsageTotal>?>(list);
    }

    private sealed class Counters
    {
        private readonly Lock _lock = new();
        private long _requests, _input, _output, _cached;
        private decimal _cost;

        public void Add(UsageTotal usage)
        {
            lock (_lock)
            {
                _requests += usage.Requests;
                _input += usage.InputTokens;
                _output += usage.OutputTokens;
                _cached += usage.CachedTokens;
                _cost += usage.Cost;
            }
        }

        public UsageTotal ToTotal(DateOnly day, string client, string model)
        {
            lock (_lock)
            {
                return new UsageTotal(day, client, model, _requests, _input, _output, _cached, _cost);
            }
        }
    }
}
