using System.Net.WebSockets;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The <c>JsonRedaction</c> built-in: masks the values selected by JSON paths in text messages that are one JSON document.
/// Binary messages and text that is not JSON pass unchanged (put <c>MessageValidation</c> in front to refuse them).
/// </summary>
/// <remarks>
/// Settings: <c>Paths</c> (required, comma-separated, e.g. <c>$.card.number, $..password</c>) and <c>Mask</c> (the string
/// that replaces each value; default <c>***</c>). A message with nothing to mask is forwarded without a copy.
/// </remarks>
internal sealed class JsonRedactionTransformer : IMessageTransformer
{
    private readonly JsonRedactor _redactor;

    private JsonRedactionTransformer(JsonRedactor redactor)
    {
        _redactor = redactor;
    }

    public static JsonRedactionTransformer Create(MessageTransformerSettings settings)
    {
        var paths = settings.GetList("Paths");
        if (paths.Count == 0)
        {
            throw settings.Invalid("Paths", "is required: one or more JSON paths, comma-separated (e.g. $.card.number, $..password).");
        }

        try
        {
            return new JsonRedactionTransformer(new JsonRedactor(paths, settings.GetString("Mask") ?? "***"));
        }
        catch (FormatException ex)
        {
            throw settings.Invalid("Paths", ex.Message);
        }
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
    {
        if (context.MessageType != WebSocketMessageType.Text
            || _redactor.Redact(context.Payload.Span, context, out var output) != RedactionOutcome.Redacted)
        {
            return new(MessageTransformResult.Forward());
        }

        return new(MessageTransformResult.Forward(output!.WrittenMemory)); // Redacted always comes with the copy
    }
}
