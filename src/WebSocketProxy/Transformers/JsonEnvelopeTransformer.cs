using System.Net.WebSockets;
using System.Text.Json;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>
/// The <c>JsonEnvelope</c> built-in. Client → backend: wraps each message as
/// <c>{"data":…,"meta":{"user":…,"connectionId":…,"route":…,"receivedAt":…}}</c> (JSON text is embedded as it is, other
/// text as a JSON string, binary as a base64 string; the result is text). Backend → client: a JSON object with the data
/// field is unwrapped to that field's JSON (without a copy); anything else passes unchanged.
/// </summary>
/// <remarks>
/// Settings (all optional, field names): <c>DataField</c> (<c>data</c>), <c>MetaField</c> (<c>meta</c>), <c>UserField</c>
/// (<c>user</c>), <c>ConnectionIdField</c> (<c>connectionId</c>), <c>RouteField</c> (<c>route</c>), <c>ReceivedAtField</c>
/// (<c>receivedAt</c>). The user is the authenticated name, else the <c>sub</c> or name-identifier claim, else null.
/// </remarks>
internal sealed class JsonEnvelopeTransformer : IMessageTransformer
{
    private readonly TimeProvider _timeProvider;
    private readonly JsonEncodedText _data;
    private readonly JsonEncodedText _meta;
    private readonly JsonEncodedText _user;
    private readonly JsonEncodedText _connectionId;
    private readonly JsonEncodedText _route;
    private readonly JsonEncodedText _receivedAt;
    private readonly byte[] _dataUtf8;

    private JsonEnvelopeTransformer(MessageTransformerSettings settings, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        var data = settings.GetString("DataField") ?? "data";
        _data = JsonEncodedText.Encode(data);
        _dataUtf8 = System.Text.Encoding.UTF8.GetBytes(data);
        _meta = JsonEncodedText.Encode(settings.GetString("MetaField") ?? "meta");
        _user = JsonEncodedText.Encode(settings.GetString("UserField") ?? "user");
        _connectionId = JsonEncodedText.Encode(settings.GetString("ConnectionIdField") ?? "connectionId");
        _route = JsonEncodedText.Encode(settings.GetString("RouteField") ?? "route");
        _receivedAt = JsonEncodedText.Encode(settings.GetString("ReceivedAtField") ?? "receivedAt");
    }

    public static JsonEnvelopeTransformer Create(MessageTransformerSettings settings, TimeProvider timeProvider) => new(settings, timeProvider);

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        => new(context.Direction == MessageDirection.ClientToBackend ? Wrap(context) : Unwrap(context));

    private MessageTransformResult Wrap(MessageTransformContext context)
    {
        var payload = context.Payload.Span;
        var output = context.CreatePayloadWriter();
        var json = PooledJsonWriter.Rent(output);
        try
        {
            json.WriteStartObject();
            if (context.MessageType == WebSocketMessageType.Binary)
            {
                json.WriteBase64String(_data, payload);
            }
            else if (MessageValidationTransformer.IsJson(payload))
            {
                json.WritePropertyName(_data);
                json.WriteRawValue(payload, skipInputValidation: true); // just checked
            }
            else
            {
                json.WriteString(_data, payload);
            }

            var connection = context.Connection;
            json.WriteStartObject(_meta);
            if (ConnectionUser.Of(connection) is { } user)
            {
                json.WriteString(_user, user);
            }
            else
            {
                json.WriteNull(_user);
            }

            json.WriteString(_connectionId, connection.ConnectionId);
            json.WriteString(_route, connection.RouteId);
            json.WriteString(_receivedAt, _timeProvider.GetUtcNow());
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
        }
        finally
        {
            PooledJsonWriter.Return(json);
        }

        return MessageTransformResult.Forward(output.WrittenMemory, WebSocketMessageType.Text);
    }

    private MessageTransformResult Unwrap(MessageTransformContext context)
    {
        if (context.MessageType != WebSocketMessageType.Text)
        {
            return MessageTransformResult.Forward();
        }

        var payload = context.Payload;
        var reader = new Utf8JsonReader(payload.Span, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return MessageTransformResult.Forward();
            }

            var start = -1;
            var end = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isData = reader.ValueTextEquals(_dataUtf8);
                reader.Read();
                var valueStart = (int)reader.TokenStartIndex;
                reader.Skip();
                if (isData)
                {
                    start = valueStart;
                    end = (int)reader.BytesConsumed;
                }
            }

            while (reader.Read())
            {
                // Reads to the end so that trailing garbage makes the message "not an envelope".
            }

            return start < 0 ? MessageTransformResult.Forward() : MessageTransformResult.Forward(payload[start..end], WebSocketMessageType.Text);
        }
        catch (JsonException)
        {
            return MessageTransformResult.Forward();
        }
    }
}
