using System.Net.WebSockets;
using System.Text.Unicode;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The <c>TextBinary</c> built-in: gives messages the type the receiving side expects, without copying them. Text becomes
/// binary as its UTF-8 bytes; binary becomes text only when it is valid UTF-8.
/// </summary>
/// <remarks>
/// Settings: <c>ToBackend</c> and <c>ToClient</c> (<c>Text</c> or <c>Binary</c>; at least one), and <c>OnInvalidUtf8</c>
/// (<c>Close</c> with 1007 — the default —, <c>Drop</c>, or <c>DropWithNotice</c> with reason <c>invalid_utf8</c>) for binary
/// that cannot become text.
/// </remarks>
internal sealed class TextBinaryTransformer : IMessageTransformer
{
    private readonly WebSocketMessageType? _toBackend;
    private readonly WebSocketMessageType? _toClient;
    private readonly ViolationAction _onInvalid;

    private TextBinaryTransformer(WebSocketMessageType? toBackend, WebSocketMessageType? toClient, ViolationAction onInvalid)
    {
        _toBackend = toBackend;
        _toClient = toClient;
        _onInvalid = onInvalid;
    }

    public static TextBinaryTransformer Create(MessageTransformerSettings settings)
    {
        var toBackend = ReadType(settings, "ToBackend");
        var toClient = ReadType(settings, "ToClient");
        if (toBackend is null && toClient is null)
        {
            throw settings.Invalid("ToBackend", "or ToClient is required: the message type (Text or Binary) that side expects.");
        }

        return new TextBinaryTransformer(toBackend, toClient, TransformerNotices.ReadAction(settings, "OnInvalidUtf8"));
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
    {
        var target = context.Direction == MessageDirection.ClientToBackend ? _toBackend : _toClient;
        if (target is not { } type || type == context.MessageType)
        {
            return new(MessageTransformResult.Forward());
        }

        if (type == WebSocketMessageType.Text && !Utf8.IsValid(context.Payload.Span))
        {
            return new(TransformerNotices.Reject(_onInvalid, TransformerNotices.InvalidUtf8, "Invalid UTF-8"));
        }

        return new(MessageTransformResult.Forward(context.Payload, type));
    }

    private static WebSocketMessageType? ReadType(MessageTransformerSettings settings, string key)
    {
        if (settings.GetString(key) is null)
        {
            return null;
        }

        var type = settings.GetEnum(key, WebSocketMessageType.Text);
        return type is WebSocketMessageType.Text or WebSocketMessageType.Binary ? type : throw settings.Invalid(key, "must be Text or Binary.");
    }
}
