namespace WebSocketProxy.Configuration;

/// <summary>A token-bucket limit on messages and bytes per second, e.g. <c>{ "PermitsPerSecond": 50, "Burst": 100, "OnExceeded": "Close" }</c>.</summary>
/// <remarks>Each direction the limit applies to has its own buckets. At least one of <see cref="PermitsPerSecond"/> and <see cref="BytesPerSecond"/> is required.</remarks>
public sealed record MessageRateLimitConfig
{
    /// <summary>Gets the sustained number of messages per second.</summary>
    /// <value>No message-count limit by default.</value>
    public double? PermitsPerSecond { get; init; }

    /// <summary>Gets how many messages may arrive at once after a quiet period (the bucket's capacity).</summary>
    /// <value>Defaults to <see cref="PermitsPerSecond"/> rounded up (one second's worth), at least 1.</value>
    public int? Burst { get; init; }

    /// <summary>Gets the sustained number of payload bytes per second.</summary>
    /// <value>No byte limit by default.</value>
    public long? BytesPerSecond { get; init; }

    /// <summary>Gets how many payload bytes may arrive at once after a quiet period.</summary>
    /// <value>Defaults to <see cref="BytesPerSecond"/> (one second's worth). A single message larger than this passes only when the bucket is full, and puts it in debt.</value>
    public long? BytesBurst { get; init; }

    /// <summary>Gets what happens to a message over the limit.</summary>
    /// <value>Defaults to <see cref="ViolationAction.Delay"/>. <see cref="ViolationAction.DropWithNotice"/> answers the sender <c>{"type":"message.rejected","reason":"rate_limited"}</c>.</value>
    public ViolationAction? OnExceeded { get; init; }

    /// <summary>Gets which direction(s) the limit applies to.</summary>
    /// <value>Defaults to <see cref="MessageDirection.ClientToBackend"/>.</value>
    public MessageDirection? Direction { get; init; }
}
