namespace WebSocketProxy.RateLimiting;

/// <summary>What a pump does with the message (or frame) it asked permits for.</summary>
internal enum RateLimitVerdict
{
    /// <summary>Forward it.</summary>
    Allowed,

    /// <summary>Drop the whole message silently.</summary>
    Drop,

    /// <summary>Drop the whole message and tell the sender.</summary>
    DropWithNotice,

    /// <summary>Close the sender with 1008.</summary>
    Close,
}
