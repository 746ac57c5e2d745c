namespace WebSocketProxy.Messages;

/// <summary>What a transformer decided for a message.</summary>
public enum MessageTransformAction
{
    /// <summary>Pass the message (possibly changed) to the next transformer, then to the other side.</summary>
    Forward,

    /// <summary>Drop the message silently and count it.</summary>
    Drop,

    /// <summary>Do not forward; send a message back to the sender instead.</summary>
    Reply,

    /// <summary>Close the sender with the given status and the other side with 1001.</summary>
    Close,
}
