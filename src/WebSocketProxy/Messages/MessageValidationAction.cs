namespace WebSocketProxy.Messages;

/// <summary>What the proxy does with a message that fails the route's built-in validation.</summary>
public enum MessageValidationAction
{
    /// <summary>Close the sender (1007 invalid JSON or schema, 1008 denied pattern) and the other side with 1001.</summary>
    Close,

    /// <summary>Drop the message and count it.</summary>
    Drop,

    /// <summary>Drop the message and answer the sender with <c>{"type":"message.rejected","reason":"…"}</c>.</summary>
    DropWithNotice,
}
