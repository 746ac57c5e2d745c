using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The <c>BinaryJson</c> built-in: protocol translation between binary frames of a declared <see cref="FrameLayout"/> and
/// JSON text objects with one property per field, in both directions. A frame of the wrong length or with a wrong
/// constant (a version), JSON that does not fit the layout, or a message of the other type is malformed.
/// </summary>
/// <remarks>
/// Settings: <c>Layout</c> (required, e.g. <c>version:u8=1, sensor:u16, value:f64, ts:i64</c>), <c>ByteOrder</c>
/// (<c>BigEndian</c>, the default, or <c>LittleEndian</c>), <c>BinarySide</c> (<c>Client</c>, the default: the client speaks
/// binary and the backend JSON; or <c>Backend</c>), and <c>OnMalformed</c> (<c>Close</c> with 1007 — the default —,
/// <c>Drop</c>, or <c>DropWithNotice</c> with reason <c>malformed_frame</c>, sent to the sender of the malformed message).
/// </remarks>
internal sealed class BinaryJsonTransformer : IMessageTransformer
{
    private readonly FrameLayout _layout;
    private readonly MessageDirection _decodes;
    private readonly ViolationAction _onMalformed;

    private BinaryJsonTransformer(FrameLayout layout, MessageDirection decodes, ViolationAction onMalformed)
    {
        _layout = layout;
        _decodes = decodes;
        _onMalformed = onMalformed;
    }

    /// <summary>Which side sends binary frames.</summary>
    private enum Side
    {
        Client,
        Backend,
    }

    /// <summary>How multi-byte fields are ordered by default.</summary>
    private enum ByteOrder
    {
        BigEndian,
        LittleEndian,
    }

    public static BinaryJsonTransformer Create(MessageTransformerSettings settings)
    {
        var byteOrder = settings.GetEnum("ByteOrder", ByteOrder.BigEndian);
        FrameLayout layout;
        try
        {
            layout = FrameLayout.Parse(settings.GetRequiredString("Layout"), byteOrder == ByteOrder.BigEndian);
        }
        catch (FormatException ex) when (!ex.Message.StartsWith(settings.Key, StringComparison.Ordinal))
        {
            throw settings.Invalid("Layout", ex.Message);
        }

        var side = settings.GetEnum("BinarySide", Side.Client);
        var decodes = side == Side.Client ? MessageDirection.ClientToBackend : MessageDirection.BackendToClient;
        return new BinaryJsonTransformer(layout, decodes, TransformerNotices.ReadAction(settings, "OnMalformed"));
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        => new(context.Direction == _decodes ? Decode(context) : Encode(context));

    private MessageTransformResult Decode(MessageTransformContext context)
    {
        if (context.MessageType != WebSocketMessageType.Binary)
        {
            return Malformed();
        }

        var output = context.CreatePayloadWriter();
        var json = PooledJsonWriter.Rent(output);
        bool decoded;
        try
        {
            decoded = _layout.TryDecode(context.Payload.Span, json);
            json.Flush();
        }
        finally
        {
            PooledJsonWriter.Return(json);
        }

        return decoded ? MessageTransformResult.Forward(output.WrittenMemory, WebSocketMessageType.Text) : Malformed();
    }

    private MessageTransformResult Encode(MessageTransformContext context)
    {
        if (context.MessageType != WebSocketMessageType.Text)
        {
            return Malformed();
        }

        var output = context.CreatePayloadWriter();
        var frame = output.GetSpan(_layout.Size);
        if (!_layout.TryEncode(context.Payload.Span, frame))
        {
            return Malformed();
        }

        output.Advance(_layout.Size);
        return MessageTransformResult.Forward(output.WrittenMemory, WebSocketMessageType.Binary);
    }

    private MessageTransformResult Malformed() => TransformerNotices.Reject(_onMalformed, TransformerNotices.MalformedFrame, "Malformed frame");
}
