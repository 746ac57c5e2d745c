using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace WebSocketProxy.Llm;

/// <summary>Token and request budgets per user: three partitioned limiters (tokens per minute, tokens per UTC day, requests per minute).</summary>
internal sealed class LlmBudgets : IDisposable
{
    private readonly IOptionsMonitor<LlmOptions> _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Limiters? _limiters;

    public LlmBudgets(IOptionsMonitor<LlmOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Reserves one request and <paramref name="tokens"/> tokens; on refusal returns the error code and how long to wait.</summary>
    public LlmBudgetResult TryReserve(string user, int tokens)
    {
        var limiters = GetLimiters();
        var leases = new List<TokenWindowLease>(3);
        if (!TryAcquire(limiters.RequestsPerMinute, user, 1, LlmErrorCodes.RateLimited, "requests per minute", leases, out var failure)
            || !TryAcquire(limiters.TokensPerDay, user, tokens, LlmErrorCodes.QuotaExceeded, "tokens per day", leases, out failure)
            || !TryAcquire(limiters.TokensPerMinute, user, tokens, LlmErrorCodes.RateLimited, "tokens per minute", leases, out failure))
        {
            foreach (var lease in leases)
            {
                lease.Reconcile(0);
                lease.Dispose();
            }

            return failure;
        }

        return new LlmBudgetResult(new LlmBudgetReservation(leases, tokens), null, null, null);
    }

    public void Dispose()
    {
        _limiters?.Dispose();
    }

    private static bool TryAcquire(PartitionedRateLimiter<string>? limiter, string user, int permits, string code, string name, List<TokenWindowLease> leases, out LlmBudgetResult failure)
    {
        failure = default;
        if (limiter is null)
        {
            return true;
        }

        var lease = limiter.AttemptAcquire(user, Math.Max(permits, 0));
        if (lease.IsAcquired)
        {
            if (lease is TokenWindowLease tokenLease && name != "requests per minute")
            {
                leases.Add(tokenLease);
            }

            return true;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;
        lease.Dispose();
        failure = new LlmBudgetResult(null, code, $"The {name} budget is exhausted.", retryAfter);
        return false;
    }

    private Limiters GetLimiters()
    {
        var budget = _options.CurrentValue.Budgets;
        lock (_lock)
        {
            if (_limiters is null || _limiters.Options != budget)
            {
                _limiters?.Dispose();
                _limiters = new Limiters(budget, _time);
            }

            return _limiters;
        }
    }

    private sealed class Limiters : IDisposable
    {
        public Limiters(LlmBudgetConfig options, TimeProvider time)
        {
            Options = options;
            TokensPerMinute = Create(options.TokensPerMinute, TimeSpan.FromMinutes(1), alignToUtcDay: false, time);
            TokensPerDay = Create(options.TokensPerDay, TimeSpan.FromDays(1), alignToUtcDay: true, time);
            RequestsPerMinute = Create(options.RequestsPerMinute, TimeSpan.FromMinutes(1), alignToUtcDay: false, time);
        }

        public LlmBudgetConfig Options { get; }

        public PartitionedRateLimiter<string>? TokensPerMinute { get; }

        public PartitionedRateLimiter<string>? TokensPerDay { get; }

        public PartitionedRateLimiter<string>? RequestsPerMinute { get; }

        public void Dispose()
        {
            TokensPerMinute?.Dispose();
            TokensPerDay?.Dispose();
            RequestsPerMinute?.Dispose();
        }

        private static PartitionedRateLimiter<string>? Create(int? limit, TimeSpan window, bool alignToUtcDay, TimeProvider time)
            => limit is { } l && l > 0
                ? PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.Get(user, _ => new TokenWindowLimiter(l, window, alignToUtcDay, time)))
                : null;
    }
}
