namespace WebSocketProxy.RateLimiting;

/// <summary>Which messages a message rate limit counts.</summary>
public enum MessageRateLimitDirection
{
    /// <summary>Messages from the client to the backend.</summary>
    ClientToBackend,

    /// <summary>Messages from the backend to the client.</summary>
    BackendToClient,

    /// <summary>Both directions, each with its own buckets.</summary>
    Both,
}
