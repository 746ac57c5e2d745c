using System.Net.WebSockets;

namespace WebSocketProxy.Messages;

/// <summary>The outcome of <see cref="IMessageTransformer.TransformAsync"/>.</summary>
public readonly struct MessageTransformResult
{
    private MessageTransformResult(MessageTransformAction action, ReadOnlyMemory<byte> payload, WebSocketMessageType? messageType, WebSocketCloseStatus closeStatus, string? closeReason)
    {
        Action = action;
        Payload = payload;
        MessageType = messageType;
        CloseStatus = closeStatus;
        CloseReason = closeReason;
    }

    /// <summary>Gets the action.</summary>
    public MessageTransformAction Action { get; }

    /// <summary>Gets the payload to forward or reply with; must stay valid until the next message of the same session and direction.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the message type of <see cref="Payload"/>; <see langword="null"/> keeps the original type.</summary>
    public WebSocketMessageType? MessageType { get; }

    /// <summary>Gets the close status sent to the sender when <see cref="Action"/> is <see cref="MessageTransformAction.Close"/>.</summary>
    public WebSocketCloseStatus CloseStatus { get; }

    /// <summary>Gets the close reason sent with <see cref="CloseStatus"/>.</summary>
    public string? CloseReason { get; }

    internal bool KeepsPayload { get; private init; }

    /// <summary>Forwards the message unchanged.</summary>
    public static MessageTransformResult Forward() => new(MessageTransformAction.Forward, default, null, default, null) { KeepsPayload = true };

    /// <summary>Forwards a changed message.</summary>
    /// <param name="payload">The new payload; for a text message, valid UTF-8.</param>
    /// <param name="messageType">The new message type, or <see langword="null"/> to keep the original.</param>
    public static MessageTransformResult Forward(ReadOnlyMemory<byte> payload, WebSocketMessageType? messageType = null)
    {
        ValidateType(messageType);
        return new(MessageTransformAction.Forward, payload, messageType, default, null);
    }

    /// <summary>Drops the message.</summary>
    public static MessageTransformResult Drop() => new(MessageTransformAction.Drop, default, null, default, null);

    /// <summary>Drops the message and sends <paramref name="payload"/> back to the sender.</summary>
    /// <param name="payload">The reply payload.</param>
    /// <param name="messageType">The reply's message type.</param>
    public static MessageTransformResult Reply(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Text)
    {
        ValidateType(messageType);
        return new(MessageTransformAction.Reply, payload, messageType, default, null);
    }

    /// <summary>Closes the sender with <paramref name="status"/> and the other side with 1001.</summary>
    /// <param name="status">The close status, e.g. 1007 or 1008.</param>
    /// <param name="reason">The close reason, at most 123 UTF-8 bytes.</param>
    public static MessageTransformResult Close(WebSocketCloseStatus status, string? reason = null)
        => new(MessageTransformAction.Close, default, null, status, reason);

    private static void ValidateType(WebSocketMessageType? messageType)
    {
        if (messageType == WebSocketMessageType.Close)
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), "Use MessageTransformResult.Close to close the connection.");
        }
    }
}
