using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Redis;

/// <summary>
/// LLM usage totals every instance adds to and any instance reads (<see cref="IUsageTotals"/>): one hash per UTC day and
/// client key (<c>usage:&lt;day&gt;:{&lt;client&gt;}</c>, fields <c>&lt;model&gt;|requests</c>, <c>|input</c>, <c>|output</c>,
/// <c>|cached</c> by HINCRBY and <c>|cost</c> by HINCRBYFLOAT, in one MULTI), and a set of the day's client keys. Both
/// expire after <see cref="RedisOptions.UsageRetention"/>.
/// </summary>
/// <remarks>
/// Redis down or slow: a request's totals are dropped (its metrics and log line still count it) with a warning and
/// <c>websocket_proxy.shared_store.failures</c> (<c>feature=llm_usage</c>, <c>outcome=dropped</c>); reading answers
/// <see langword="null"/> (the admin API answers 503).
/// </remarks>
internal sealed partial class RedisUsageTotals : IUsageTotals
{
    private const string Feature = "llm_usage";
    private static readonly string[] Fields = ["requests", "input", "output", "cached", "cost"];

    private readonly RedisConnection _redis;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<RedisUsageTotals> _logger;

    public RedisUsageTotals(RedisConnection redis, ProxyMetrics metrics, ILogger<RedisUsageTotals> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(UsageTotal usage, CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var key = ClientKey(usage.Day, usage.Client);
            var clients = ClientsKey(usage.Day);
            var retention = _redis.Options.UsageRetention;
            var transaction = multiplexer.GetDatabase().CreateTransaction();
            _ = transaction.HashIncrementAsync(key, usage.Model + "|requests", usage.Requests);
            _ = transaction.HashIncrementAsync(key, usage.Model + "|input", usage.InputTokens);
            _ = transaction.HashIncrementAsync(key, usage.Model + "|output", usage.OutputTokens);
            _ = transaction.HashIncrementAsync(key, usage.Model + "|cached", usage.CachedTokens);
            _ = transaction.HashIncrementAsync(key, usage.Model + "|cost", (double)usage.Cost);
            _ = transaction.SetAddAsync(clients, usage.Client);
            _ = transaction.KeyExpireAsync(key, retention);
            _ = transaction.KeyExpireAsync(clients, retention);
            await transaction.ExecuteAsync().WaitAsync(_redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "dropped");
            Log.AddFailed(_logger, usage.Client, usage.Model, ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<UsageTotal>?> ReadAsync(DateOnly day, string? client, string? model, CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var database = multiplexer.GetDatabase();
            var timeout = _redis.Options.OperationTimeout;
            var clients = client is not null
                ? [client]
                : (await database.SetMembersAsync(ClientsKey(day)).WaitAsync(timeout, cancellationToken).ConfigureAwait(false)).Select(static c => c.ToString()).ToArray();
            var hashes = await Task.WhenAll(clients.Select(c => database.HashGetAllAsync(ClientKey(day, c)))).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            var totals = new List<UsageTotal>();
            for (var i = 0; i < clients.Length; i++)
            {
                totals.AddRange(Parse(day, clients[i], hashes[i], model));
            }

            totals.Sort(static (a, b) => a.Client == b.Client ? string.CompareOrdinal(a.Model, b.Model) : string.CompareOrdinal(a.Client, b.Client));
            return totals;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "unavailable");
            Log.ReadFailed(_logger, ex.Message);
            return null;
        }
    }

    private static IEnumerable<UsageTotal> Parse(DateOnly day, string client, HashEntry[] fields, string? model)
    {
        var byModel = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var name = field.Name.ToString();
            var bar = name.LastIndexOf('|');
            var index = bar < 0 ? -1 : Array.IndexOf(Fields, name[(bar + 1)..]);
            if (index < 0 || (model is not null && !name.AsSpan(0, bar).SequenceEqual(model)))
            {
                continue;
            }

            if (!byModel.TryGetValue(name[..bar], out var values))
            {
                byModel[name[..bar]] = values = new decimal[Fields.Length];
            }

            values[index] = decimal.Parse(field.Value.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return byModel.Select(p => new UsageTotal(day, client, p.Key, (long)p.Value[0], (long)p.Value[1], (long)p.Value[2], (long)p.Value[3], decimal.Round(p.Value[4], 9)));
    }

    private RedisKey ClientKey(DateOnly day, string client) => _redis.Key($"usage:{day:yyyy-MM-dd}:{{{client}}}");

    private RedisKey ClientsKey(DateOnly day) => _redis.Key($"usage:{day:yyyy-MM-dd}:clients");

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedUsageFailed, EventName = nameof(EventIds.SharedUsageFailed), Level = LogLevel.Warning, Message = "LLM usage totals of {Client} on {Model}: Redis failed ({Error}); this request is left out of the shared totals.")]
        public static partial void AddFailed(ILogger logger, string client, string model, string error);

        [LoggerMessage(EventId = EventIds.SharedUsageReadFailed, EventName = nameof(EventIds.SharedUsageReadFailed), Level = LogLevel.Warning, Message = "LLM usage totals: reading Redis failed ({Error}).")]
        public static partial void ReadFailed(ILogger logger, string error);
    }
}
