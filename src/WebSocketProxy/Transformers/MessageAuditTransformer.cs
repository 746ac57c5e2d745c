using System.Net.WebSockets;
using System.Text;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The <c>MessageAudit</c> built-in: queues a copy of sampled messages for the audit sinks and forwards every message
/// unchanged. Where it stands in a list decides what is recorded (first: as the sender sent it; last: as the receiver gets it).
/// </summary>
/// <remarks>
/// Settings: <c>SampleRate</c> (0–1, default 1: every message), <c>MaxPayloadBytes</c> (bytes of payload kept, default 1024;
/// 0 records metadata only), <c>RedactPaths</c> (JSON paths masked in the copy of JSON text, comma-separated) and <c>Mask</c>
/// (default <c>***</c>). A message not sampled costs one random number.
/// </remarks>
internal sealed class MessageAuditTransformer : IMessageTransformer
{
    private readonly MessageAuditQueue _queue;
    private readonly TimeProvider _timeProvider;
    private readonly double _sampleRate;
    private readonly int _maxPayloadBytes;
    private readonly JsonRedactor? _redactor;

    private MessageAuditTransformer(MessageAuditQueue queue, TimeProvider timeProvider, double sampleRate, int maxPayloadBytes, JsonRedactor? redactor)
    {
        _queue = queue;
        _timeProvider = timeProvider;
        _sampleRate = sampleRate;
        _maxPayloadBytes = maxPayloadBytes;
        _redactor = redactor;
    }

    public static MessageAuditTransformer Create(MessageTransformerSettings settings, MessageAuditQueue queue, TimeProvider timeProvider)
    {
        var rate = settings.GetValue("SampleRate", 1.0);
        if (!(rate > 0 && rate <= 1))
        {
            throw settings.Invalid("SampleRate", "must be more than 0 and at most 1 (e.g. 0.01 records one message in a hundred).");
        }

        var max = settings.GetValue("MaxPayloadBytes", 1024);
        if (max < 0)
        {
            throw settings.Invalid("MaxPayloadBytes", "must be 0 or more.");
        }

        JsonRedactor? redactor = null;
        var paths = settings.GetList("RedactPaths");
        var mask = settings.GetString("Mask") ?? "***";
        if (paths.Count > 0)
        {
            try
            {
                redactor = new JsonRedactor(paths, mask);
            }
            catch (FormatException ex)
            {
                throw settings.Invalid("RedactPaths", ex.Message);
            }
        }

        return new MessageAuditTransformer(queue, timeProvider, rate, max, redactor);
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
    {
        if (_sampleRate >= 1 || Random.Shared.NextDouble() < _sampleRate)
        {
            _queue.TryWrite(Record(context));
        }

        return new(MessageTransformResult.Forward());
    }

    private MessageAuditRecord Record(MessageTransformContext context)
    {
        var payload = context.Payload.Span;
        var size = payload.Length;
        var text = context.MessageType == WebSocketMessageType.Text;
        if (text && _maxPayloadBytes > 0 && _redactor is not null && _redactor.Redact(payload, context, out var redacted) == RedactionOutcome.Redacted)
        {
            payload = redacted!.WrittenSpan; // Redacted always comes with the copy
        }

        var kept = Math.Min(_maxPayloadBytes, payload.Length);
        if (text)
        {
            while (kept > 0 && kept < payload.Length && (payload[kept] & 0xC0) == 0x80)
            {
                kept--; // never cut a UTF-8 character in two
            }
        }

        var connection = context.Connection;
        return new MessageAuditRecord
        {
            Timestamp = _timeProvider.GetUtcNow(),
            ConnectionId = connection.ConnectionId,
            RouteId = connection.RouteId,
            User = ConnectionUser.Of(connection),
            Direction = context.Direction,
            MessageType = context.MessageType,
            Size = size,
            Payload = kept == 0 ? string.Empty : (text ? Encoding.UTF8.GetString(payload[..kept]) : Convert.ToBase64String(payload[..kept])),
            Truncated = kept < payload.Length,
        };
    }
}
