using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Redis;

/// <summary>
/// LLM budgets every instance shares (<see cref="ILlmBudgetStore"/>): the windows of a client key live in Redis and
/// each reservation, charge and reconciliation is one call of <see cref="RedisLlmBudgetScript"/>. A reservation expires
/// after <see cref="RedisOptions.EntryTimeToLive"/> unless its instance renews it (every heartbeat), so the
/// reservations of an instance that died are given back; a reconciliation that finds its reservation already given
/// back charges all that was spent.
/// </summary>
/// <remarks>
/// Redis down or slower than <see cref="RedisOptions.OperationTimeout"/>: fail open (the default, see
/// <see cref="RedisOptions.LlmBudgetsFailOpen"/>) applies this instance's in-memory ledger instead, fail closed refuses
/// with <c>rate_limited</c>; both log a warning and count <c>websocket_proxy.shared_store.failures</c>
/// (<c>feature=llm_budget</c>). A reconciliation that fails is dropped: its reservation expires with its time to live.
/// </remarks>
internal sealed partial class RedisLlmBudgetStore : ILlmBudgetStore, ILlmBudgetSettlement
{
    private const string Feature = "llm_budget";
    private const decimal NanosPerUnit = 1_000_000_000m;

    private readonly RedisConnection _redis;
    private readonly LlmBudgetLedger _local;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisLlmBudgetStore> _logger;
    private readonly ConcurrentDictionary<string, string> _held = new(StringComparer.Ordinal); // member → client key
    private readonly string _instance = Guid.NewGuid().ToString("N")[..12];

    public RedisLlmBudgetStore(RedisConnection redis, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<RedisLlmBudgetStore> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
        _local = new LlmBudgetLedger(timeProvider);
    }

    /// <summary>Gets the number of reservations this instance holds in Redis (renewed every heartbeat).</summary>
    public int HeldCount => _held.Count;

    private bool FailOpen => _redis.Options.LlmBudgetsFailOpen ?? _redis.Options.FailOpen;

    /// <inheritdoc />
    public async ValueTask<LlmBudgetResult> ReserveAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken)
    {
        if (!limits.HasLimits)
        {
            return new LlmBudgetResult(LlmBudgetReservation.Unlimited, null, null, null, []);
        }

        // The wait is bounded by OperationTimeout and does not observe cancellation: like the in-memory ledger, a
        // reservation never throws; a cancelled request ends in its provider call and reconciles there.
        _ = cancellationToken;
        var id = _instance + ":" + Guid.NewGuid().ToString("N");
        var nanos = Nanos(cost);
        try
        {
            var database = await DatabaseAsync().ConfigureAwait(false);
            var answer = (long[])(await database.ScriptEvaluateAsync(
                    RedisLlmBudgetScript.Lua,
                    Keys(key),
                    ["reserve", tokens, nanos, Limit(limits.RequestsPerMinute), Limit(limits.TokensPerMinute), Limit(limits.TokensPerDay), Limit(limits.CostPerDay), id, (long)_redis.Options.EffectiveTimeToLive.TotalMilliseconds])
                .WaitAsync(_redis.Options.OperationTimeout, CancellationToken.None)
                .ConfigureAwait(false))!;
            var now = At(answer[RedisLlmBudgetScript.Now]);
            switch (answer[RedisLlmBudgetScript.Refused])
            {
                case 1: return Refuse(LlmErrorCodes.RateLimited, "requests per minute", At(answer[RedisLlmBudgetScript.RequestsEnd]) - now);
                case 2: return Refuse(LlmErrorCodes.QuotaExceeded, "tokens per day", At(answer[RedisLlmBudgetScript.DayEnd]) - now);
                case 3: return Refuse(LlmErrorCodes.RateLimited, "tokens per minute", At(answer[RedisLlmBudgetScript.MinuteEnd]) - now);
                case 4: return Refuse(LlmErrorCodes.QuotaExceeded, "cost per day", At(answer[RedisLlmBudgetScript.CostEnd]) - now);
            }

            var minuteEnd = answer[RedisLlmBudgetScript.MinuteEnd];
            var dayEnd = answer[RedisLlmBudgetScript.DayEnd];
            var costEnd = answer[RedisLlmBudgetScript.CostEnd];
            var member = $"{id}|{tokens}|{nanos}|{minuteEnd}|{dayEnd}|{costEnd}";
            _held[member] = key;
            var reservation = new LlmBudgetReservation(this, tokens, cost, At(minuteEnd), At(dayEnd), At(costEnd)) { Key = key, Id = member };
            return new LlmBudgetResult(reservation, null, null, null, Remaining(limits, answer, now));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (FailOpen)
            {
                _metrics.SharedStoreFailed(Feature, "fail_open");
                Log.FailOpen(_logger, key, ex.Message);
                return _local.TryReserve(key, limits, tokens, cost);
            }

            _metrics.SharedStoreFailed(Feature, "fail_closed");
            Log.FailClosed(_logger, key, ex.Message);
            return new LlmBudgetResult(null, LlmErrorCodes.RateLimited, "The budget store is unavailable; try again shortly.", _redis.Options.HeartbeatInterval, []);
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> ChargeAsync(string key, LlmBudgetConfig limits, long tokens, decimal cost, CancellationToken cancellationToken)
    {
        if (!limits.HasLimits)
        {
            return false;
        }

        try
        {
            var database = await DatabaseAsync().ConfigureAwait(false);
            var exhausted = await database.ScriptEvaluateAsync(
                    RedisLlmBudgetScript.Lua,
                    Keys(key),
                    ["charge", tokens, Nanos(cost), Limit(limits.TokensPerMinute), Limit(limits.TokensPerDay), Limit(limits.CostPerDay)])
                .WaitAsync(_redis.Options.OperationTimeout, cancellationToken)
                .ConfigureAwait(false);
            return (long)exhausted == 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, FailOpen ? "fail_open" : "fail_closed");
            Log.ChargeFailed(_logger, key, ex.Message);
            return FailOpen ? _local.Charge(key, limits, tokens, cost) : true;
        }
    }

    /// <inheritdoc />
    public void Reconcile(LlmBudgetReservation reservation, long tokens, decimal cost, DateTimeOffset now)
    {
        if (reservation.Id is not { } member || reservation.Key is not { } key)
        {
            return;
        }

        _held.TryRemove(member, out _);
        _ = ReconcileAsync(key, member, tokens, cost);
    }

    /// <summary>Renews this instance's reservations (called by the heartbeat); one script call per client key.</summary>
    public async Task RenewAsync(IDatabase database, CancellationToken cancellationToken)
    {
        if (_held.IsEmpty)
        {
            return;
        }

        var ttl = (long)_redis.Options.EffectiveTimeToLive.TotalMilliseconds;
        var calls = _held.GroupBy(static p => p.Value, static p => p.Key, StringComparer.Ordinal)
            .Select(g => database.ScriptEvaluateAsync(RedisLlmBudgetScript.Lua, Keys(g.Key), [.. new RedisValue[] { "renew", ttl }, .. g.Select(static m => (RedisValue)m)]));
        await Task.WhenAll(calls).WaitAsync(_redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<bool> ReconcileAsync(string key, string member, long tokens, decimal cost)
    {
        try
        {
            var database = await DatabaseAsync().ConfigureAwait(false);
            var held = await database.ScriptEvaluateAsync(RedisLlmBudgetScript.Lua, Keys(key), ["reconcile", member, tokens, Nanos(cost)])
                .WaitAsync(_redis.Options.OperationTimeout)
                .ConfigureAwait(false);
            return (long)held == 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Also when the host stops meanwhile (the multiplexer is disposed): the reservation expires with its time to live.
            _metrics.SharedStoreFailed(Feature, "reconcile_dropped");
            Log.ReconcileFailed(_logger, key, ex.Message);
            return false;
        }
    }

    private async ValueTask<IDatabase> DatabaseAsync()
        => (await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.")).GetDatabase();

    // One hash tag per client key: both keys live in one slot, so the script also runs on Redis Cluster.
    private RedisKey[] Keys(string key) => [_redis.Key($"budget:{{{key}}}"), _redis.Key($"budget:{{{key}}}:held")];

    private static long Nanos(decimal cost) => (long)decimal.Round(cost * NanosPerUnit, MidpointRounding.AwayFromZero);

    private static long Limit(int? limit) => limit ?? -1;

    private static long Limit(decimal? limit) => limit is { } value ? Nanos(value) : -1;

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private static List<LlmBudgetRemaining> Remaining(LlmBudgetConfig limits, long[] answer, DateTimeOffset now)
    {
        var remaining = new List<LlmBudgetRemaining>(4);
        if (limits.RequestsPerMinute is { } rpm)
        {
            remaining.Add(new LlmBudgetRemaining("requests_per_minute", rpm, rpm - answer[RedisLlmBudgetScript.RequestsUsed], At(answer[RedisLlmBudgetScript.RequestsEnd]) - now));
        }

        if (limits.TokensPerMinute is { } tpm)
        {
            remaining.Add(new LlmBudgetRemaining("tokens_per_minute", tpm, tpm - answer[RedisLlmBudgetScript.MinuteUsed], At(answer[RedisLlmBudgetScript.MinuteEnd]) - now));
        }

        if (limits.TokensPerDay is { } tpd)
        {
            remaining.Add(new LlmBudgetRemaining("tokens_per_day", tpd, tpd - answer[RedisLlmBudgetScript.DayUsed], At(answer[RedisLlmBudgetScript.DayEnd]) - now));
        }

        if (limits.CostPerDay is { } cpd)
        {
            remaining.Add(new LlmBudgetRemaining("cost_per_day", cpd, cpd - (answer[RedisLlmBudgetScript.CostUsed] / NanosPerUnit), At(answer[RedisLlmBudgetScript.CostEnd]) - now));
        }

        return remaining;
    }

    private static LlmBudgetResult Refuse(string code, string name, TimeSpan wait)
        => new(null, code, $"The {name} budget is exhausted.", wait > TimeSpan.Zero ? wait : TimeSpan.Zero, []);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedBudgetFailOpen, EventName = nameof(EventIds.SharedBudgetFailOpen), Level = LogLevel.Warning, Message = "LLM budget of {Client}: Redis failed ({Error}); this instance applies the budget on its own (fail open).")]
        public static partial void FailOpen(ILogger logger, string client, string error);

        [LoggerMessage(EventId = EventIds.SharedBudgetFailClosed, EventName = nameof(EventIds.SharedBudgetFailClosed), Level = LogLevel.Warning, Message = "LLM budget of {Client}: Redis failed ({Error}); the request is refused (fail closed).")]
        public static partial void FailClosed(ILogger logger, string client, string error);

        [LoggerMessage(EventId = EventIds.SharedBudgetChargeFailed, EventName = nameof(EventIds.SharedBudgetChargeFailed), Level = LogLevel.Warning, Message = "LLM budget of {Client}: charging Redis failed ({Error}).")]
        public static partial void ChargeFailed(ILogger logger, string client, string error);

        [LoggerMessage(EventId = EventIds.SharedBudgetReconcileFailed, EventName = nameof(EventIds.SharedBudgetReconcileFailed), Level = LogLevel.Warning, Message = "LLM budget of {Client}: reconciling on Redis failed ({Error}); the reservation expires with its time to live.")]
        public static partial void ReconcileFailed(ILogger logger, string client, string error);
    }
}
