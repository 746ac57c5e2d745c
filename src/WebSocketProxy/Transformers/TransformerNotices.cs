using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>The notices the built-ins send with <see cref="ViolationAction.DropWithNotice"/>, in the one notice shape, and the mapping of a violation action to a result.</summary>
internal static class TransformerNotices
{
    public static readonly ReadOnlyMemory<byte> MalformedFrame = """{"type":"message.rejected","reason":"malformed_frame"}"""u8.ToArray();

    public static readonly ReadOnlyMemory<byte> InvalidUtf8 = """{"type":"message.rejected","reason":"invalid_utf8"}"""u8.ToArray();

    /// <summary>Reads an <c>OnMalformed</c>-style setting: Close (the default), Drop or DropWithNotice.</summary>
    public static ViolationAction ReadAction(MessageTransformerSettings settings, string key)
    {
        var action = settings.GetEnum(key, ViolationAction.Close);
        return action is ViolationAction.Close or ViolationAction.Drop or ViolationAction.DropWithNotice
            ? action
            : throw settings.Invalid(key, "must be Close, Drop or DropWithNotice.");
    }

    /// <summary>What a violation becomes: a 1007 close of the sender, a silent drop, or a drop with a notice to the sender.</summary>
    public static MessageTransformResult Reject(ViolationAction action, ReadOnlyMemory<byte> notice, string reason) => action switch
    {
        ViolationAction.Drop => MessageTransformResult.Drop(),
        ViolationAction.DropWithNotice => MessageTransformResult.Reply(notice),
        _ => MessageTransformResult.Close(WebSocketCloseStatus.InvalidPayloadData, reason),
    };
}
