using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Redis;

/// <summary>
/// Every <see cref="RedisOptions.HeartbeatInterval"/>: renews this instance's concurrency permits and LLM budget
/// reservations and republishes its sessions. While Redis is down a beat is skipped (a warning and a metric); the first beat after it returns
/// re-creates everything, so the shared state catches up without a restart.
/// </summary>
internal sealed partial class RedisHeartbeatService : BackgroundService
{
    private readonly RedisConnection _redis;
    private readonly RedisConcurrentSessionLimiter _limiter;
    private readonly RedisSessionDirectory _directory;
    private readonly RedisLlmBudgetStore _budgets;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RedisHeartbeatService> _logger;

    public RedisHeartbeatService(RedisConnection redis, RedisConcurrentSessionLimiter limiter, RedisSessionDirectory directory, RedisLlmBudgetStore budgets, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<RedisHeartbeatService> logger)
    {
        _redis = redis;
        _limiter = limiter;
        _directory = directory;
        _budgets = budgets;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await _redis.TryGetConnectedAsync().ConfigureAwait(false) is { } multiplexer)
            {
                await _directory.UnpublishAsync(multiplexer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            // The entries expire with their time to live.
            Log.BeatFailed(_logger, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_redis.Options.HeartbeatInterval, _timeProvider);
        do
        {
            await BeatAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One heartbeat; never throws for a Redis failure.</summary>
    internal async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            var multiplexer = await _redis.TryGetConnectedAsync().ConfigureAwait(false) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected.");
            var permits = _limiter.RenewAsync(multiplexer.GetDatabase(), cancellationToken);
            var reservations = _budgets.RenewAsync(multiplexer.GetDatabase(), cancellationToken);
            await Task.WhenAll(permits, reservations, _directory.PublishSessionsAsync(multiplexer, cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed("heartbeat", "skipped");
            Log.BeatFailed(_logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedHeartbeatFailed, EventName = nameof(EventIds.SharedHeartbeatFailed), Level = LogLevel.Warning, Message = "Redis heartbeat skipped ({Error}); permits and sessions are re-published when Redis answers again.")]
        public static partial void BeatFailed(ILogger logger, string error);
    }
}
