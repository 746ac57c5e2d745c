namespace WebSocketProxy.Configuration;

/// <summary>What the proxy does with a message that breaks a route's rule (a message rate limit, the built-in validation).</summary>
/// <remarks>
/// A notice, where one is sent, is one text message to the sender: <c>{"type":"message.rejected","reason":"…"}</c>, with
/// <c>rate_limited</c>, <c>invalid_json</c>, <c>schema_violation</c> or <c>denied_content</c> as the reason.
/// </remarks>
public enum ViolationAction
{
    /// <summary>Close the sender (1008 for a rate limit or denied content, 1007 for invalid JSON) and the other side with 1001.</summary>
    Close,

    /// <summary>Drop the message and count it.</summary>
    Drop,

    /// <summary>Drop the message and send the sender a notice.</summary>
    DropWithNotice,

    /// <summary>Rate limits only: stop reading from the sender until permits return (backpressure); no message is lost.</summary>
    Delay,
}
