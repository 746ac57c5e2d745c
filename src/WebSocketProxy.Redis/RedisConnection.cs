using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Redis;

/// <summary>
/// The one multiplexer every Redis feature of the gateway shares. Connecting never blocks startup or throws: with
/// <c>AbortOnConnectFail = false</c> the multiplexer keeps reconnecting in the background, and features check
/// <see cref="IsConnected"/> first so a Redis that is down costs no timeout on the hot path.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _multiplexer;
    private readonly ILogger<RedisConnection> _logger;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        Options = options.Value;
        _logger = logger;
        _multiplexer = new Lazy<Task<IConnectionMultiplexer>>(ConnectAsync);
    }

    public RedisOptions Options { get; }

    /// <summary>Gets whether the multiplexer is connected now (false before the first connect completes).</summary>
    public bool IsConnected => _multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully && _multiplexer.Value.Result.IsConnected;

    public Task<IConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    /// <summary>Gets the connected multiplexer, or null when Redis is not reachable right now.</summary>
    public async ValueTask<IConnectionMultiplexer?> TryGetConnectedAsync()
    {
        var task = _multiplexer.Value;
        if (!task.IsCompleted)
        {
            await task.WaitAsync(Options.OperationTimeout).ConfigureAwait(false);
        }

        var multiplexer = await task.ConfigureAwait(false);
        return multiplexer.IsConnected ? multiplexer : null;
    }

    public RedisKey Key(string suffix) => Options.KeyPrefix + suffix;

    public RedisChannel Channel(string suffix) => RedisChannel.Literal(Options.KeyPrefix + suffix);

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var configuration = ConfigurationOptions.Parse(Options.Configuration ?? throw new InvalidOperationException($"{RedisOptions.SectionName}:Configuration is required."));
        configuration.AbortOnConnectFail = false;
        var timeout = (int)Math.Max(1, Options.OperationTimeout.TotalMilliseconds);
        configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, Math.Max(timeout, 1000));
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;
        configuration.ClientName ??= "websocketproxy";
        configuration.ReconnectRetryPolicy ??= new LinearRetry(500);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => Log.Failed(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString(), e.Exception);
        multiplexer.ConnectionRestored += (_, e) => Log.Restored(_logger, e.EndPoint?.ToString() ?? "?");
        return multiplexer;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.SharedStoreFailed, EventName = nameof(EventIds.SharedStoreFailed), Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} failed ({FailureType}); reconnecting in the background.")]
        public static partial void Failed(ILogger logger, string endPoint, string failureType, Exception? exception);

        [LoggerMessage(EventId = EventIds.SharedStoreRecovered, EventName = nameof(EventIds.SharedStoreRecovered), Level = LogLevel.Information, Message = "Redis connection to {EndPoint} restored.")]
        public static partial void Restored(ILogger logger, string endPoint);
    }
}
