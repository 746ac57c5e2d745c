using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Redis;

/// <summary>
/// The LLM response cache's second level (HybridCache's <see cref="IDistributedCache"/>): <see cref="RedisCache"/> on the
/// shared multiplexer, skipped while Redis is down — a read is a miss and a write is dropped, at once rather than after a
/// timeout — and counted in <c>websocket_proxy.shared_store.failures</c>. HybridCache's first level keeps working.
/// </summary>
internal sealed class RedisGuardedCache : IDistributedCache
{
    private const string Feature = "llm_cache";

    private readonly RedisCache _inner;
    private readonly RedisConnection _redis;
    private readonly ProxyMetrics _metrics;

    public RedisGuardedCache(RedisCache inner, RedisConnection redis, ProxyMetrics metrics)
    {
        _inner = inner;
        _redis = redis;
        _metrics = metrics;
    }

    public byte[]? Get(string key) => Available() ? Guard(() => _inner.Get(key)) : null;

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        if (!await AvailableAsync().ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await _inner.GetAsync(key, token).WaitAsync(_redis.Options.OperationTimeout, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "skipped");
            return null;
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        if (Available())
        {
            Guard(() => { _inner.Set(key, value, options); return (byte[]?)null; });
        }
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (!await AvailableAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await _inner.SetAsync(key, value, options, token).WaitAsync(_redis.Options.OperationTimeout, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "skipped");
        }
    }

    public void Refresh(string key)
    {
        if (Available())
        {
            Guard(() => { _inner.Refresh(key); return (byte[]?)null; });
        }
    }

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        if (await AvailableAsync().ConfigureAwait(false))
        {
            await GuardAsync(_inner.RefreshAsync(key, token), token).ConfigureAwait(false);
        }
    }

    public void Remove(string key)
    {
        if (Available())
        {
            Guard(() => { _inner.Remove(key); return (byte[]?)null; });
        }
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        if (await AvailableAsync().ConfigureAwait(false))
        {
            await GuardAsync(_inner.RemoveAsync(key, token), token).ConfigureAwait(false);
        }
    }

    private bool Available()
    {
        if (_redis.IsConnected)
        {
            return true;
        }

        _ = _redis.GetAsync(); // starts the first connect
        _metrics.SharedStoreFailed(Feature, "skipped");
        return false;
    }

    private async ValueTask<bool> AvailableAsync()
    {
        try
        {
            if (await _redis.TryGetConnectedAsync().ConfigureAwait(false) is not null)
            {
                return true;
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Counted below.
        }

        _metrics.SharedStoreFailed(Feature, "skipped");
        return false;
    }

    private byte[]? Guard(Func<byte[]?> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "skipped");
            return null;
        }
    }

    private async Task GuardAsync(Task operation, CancellationToken token)
    {
        try
        {
            await operation.WaitAsync(_redis.Options.OperationTimeout, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.SharedStoreFailed(Feature, "skipped");
        }
    }
}
