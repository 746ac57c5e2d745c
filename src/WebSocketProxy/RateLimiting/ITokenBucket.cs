namespace WebSocketProxy.RateLimiting;

/// <summary>The token bucket a message limit rule takes from: <see cref="TokenBucket"/> in this process, or a bucket shared by every instance.</summary>
/// <remarks>Called on the message hot path: implementations must answer synchronously, without I/O.</remarks>
internal interface ITokenBucket
{
    /// <summary>Takes <paramref name="count"/> tokens, or tells how long until they would be there. A forced take always succeeds (debt).</summary>
    bool TryTake(double count, bool force, out TimeSpan retryAfter);

    /// <summary>Gives back tokens taken for a message that was not forwarded after all.</summary>
    void Refund(double count);
}

/// <summary>
/// Makes the buckets of per-user message limits, which all of a user's sessions share. Absent by default (each
/// process keeps its own <see cref="TokenBucket"/>s); the Redis package shares them between instances.
/// </summary>
internal interface ISharedTokenBuckets
{
    /// <summary>Creates the bucket for <paramref name="key"/> (route, user, direction and kind), refilled at <paramref name="perSecond"/> up to <paramref name="capacity"/>.</summary>
    ITokenBucket Create(string key, double perSecond, double capacity);
}
