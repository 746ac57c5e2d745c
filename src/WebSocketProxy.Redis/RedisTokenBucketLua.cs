namespace WebSocketProxy.Redis;

/// <summary>The Lua both Redis token buckets share: a bucket is a hash of its tokens (<c>t</c>) and when they were counted (<c>ts</c>, Redis server milliseconds).</summary>
internal static class RedisTokenBucketLua
{
    /// <summary>Expects the locals <c>cap</c> (tokens) and <c>rate</c> (tokens per millisecond); leaves <c>now</c> and <c>tokens</c>, refilled up to <c>cap</c> (a new bucket starts full).</summary>
    public const string Refill = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local v = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(v[1])
        local ts = tonumber(v[2])
        if tokens == nil or ts == nil then
          tokens = cap
          ts = now
        end
        tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)

        """;

    /// <summary>Saves <c>tokens</c> at <c>now</c> and lets the bucket expire a second after it would be full again.</summary>
    public const string Save = """

        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)

        """;
}
