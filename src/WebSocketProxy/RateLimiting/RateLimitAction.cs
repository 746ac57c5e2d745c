namespace WebSocketProxy.RateLimiting;

/// <summary>What the proxy does with a message over a route's message rate limit.</summary>
public enum RateLimitAction
{
    /// <summary>Stop reading from the sender until permits return (backpressure); no message is lost.</summary>
    Delay,

    /// <summary>Drop the message and count it; optionally send a JSON notice to the sender.</summary>
    Drop,

    /// <summary>Close the sender with 1008 (policy violation) and the other side with 1001.</summary>
    Close,
}
