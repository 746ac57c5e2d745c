using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Messages;

/// <summary>The built-in validation of client messages (<see cref="RouteConfig.MessageValidation"/>): valid JSON, a JSON Schema, a deny-list of patterns.</summary>
/// <remarks>Runs first in the route's pipeline, on client→backend messages only. Thread-safe: one instance per route.</remarks>
internal sealed class MessageValidationTransformer : IMessageTransformer
{
    private static readonly ReadOnlyMemory<byte> InvalidJsonNotice = """{"type":"message.rejected","reason":"invalid_json"}"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> SchemaNotice = """{"type":"message.rejected","reason":"schema_violation"}"""u8.ToArray();
    private static readonly ReadOnlyMemory<byte> DeniedNotice = """{"type":"message.rejected","reason":"denied_content"}"""u8.ToArray();
    private static readonly EvaluationOptions SchemaOptions = new() { OutputFormat = OutputFormat.Flag };
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    private readonly bool _requireJson;
    private readonly JsonSchema? _schema;
    private readonly Regex[] _deny;
    private readonly ViolationAction _action;

    private MessageValidationTransformer(bool requireJson, JsonSchema? schema, Regex[] deny, ViolationAction action)
    {
        _requireJson = requireJson || schema is not null;
        _schema = schema;
        _deny = deny;
        _action = action;
    }

    /// <summary>Builds the validator of a route, or returns null when the route validates nothing; configuration errors go to <paramref name="errors"/>.</summary>
    public static MessageValidationTransformer? Create(MessageValidationConfig? config, string key, List<string> errors)
    {
        if (config is null)
        {
            return null;
        }

        var start = errors.Count;
        JsonSchema? schema = null;
        if (!string.IsNullOrWhiteSpace(config.JsonSchema))
        {
            try
            {
                schema = JsonSchema.FromText(config.JsonSchema);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
            {
                errors.Add($"{key}:JsonSchema is not a valid JSON Schema: {ex.Message}");
            }
        }

        var deny = new List<Regex>();
        if (config.DenyPatterns is not null)
        {
            for (var i = 0; i < config.DenyPatterns.Count; i++)
            {
                try
                {
                    // Linear-time engine: a hostile message cannot make a pattern backtrack for ever (no ReDoS).
                    deny.Add(new Regex(config.DenyPatterns[i], RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
                }
                catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
                {
                    errors.Add($"{key}:DenyPatterns:{i} is not a supported pattern (non-backtracking engine: no backreferences or lookarounds): {ex.Message}");
                }
            }
        }

        var action = config.OnInvalid ?? ViolationAction.Close;
        if (action is not (ViolationAction.Close or ViolationAction.Drop or ViolationAction.DropWithNotice))
        {
            errors.Add($"{key}:OnInvalid must be Close, Drop or DropWithNotice.");
        }

        if (errors.Count != start || (config.RequireJson != true && schema is null && deny.Count == 0))
        {
            return null;
        }

        return new MessageValidationTransformer(config.RequireJson == true, schema, [.. deny], action);
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
    {
        if (context.Direction != MessageDirection.ClientToBackend)
        {
            return new(MessageTransformResult.Forward());
        }

        var payload = context.Payload;
        if (_requireJson)
        {
            if (context.MessageType != WebSocketMessageType.Text)
            {
                return new(Reject(WebSocketCloseStatus.InvalidPayloadData, "JSON text messages only", InvalidJsonNotice));
            }

            if (_schema is null)
            {
                if (!IsJson(payload.Span))
                {
                    return new(Reject(WebSocketCloseStatus.InvalidPayloadData, "Invalid JSON", InvalidJsonNotice));
                }
            }
            else
            {
                try
                {
                    using var document = JsonDocument.Parse(payload, DocumentOptions);
                    if (!_schema.Evaluate(document.RootElement, SchemaOptions).IsValid)
                    {
                        return new(Reject(WebSocketCloseStatus.InvalidPayloadData, "Schema violation", SchemaNotice));
                    }
                }
                catch (JsonException)
                {
                    return new(Reject(WebSocketCloseStatus.InvalidPayloadData, "Invalid JSON", InvalidJsonNotice));
                }
            }
        }

        if (_deny.Length > 0 && context.MessageType == WebSocketMessageType.Text)
        {
            var text = Encoding.UTF8.GetString(payload.Span);
            foreach (var pattern in _deny)
            {
                if (pattern.IsMatch(text))
                {
                    return new(Reject(WebSocketCloseStatus.PolicyViolation, "Denied content", DeniedNotice));
                }
            }
        }

        return new(MessageTransformResult.Forward());
    }

    private MessageTransformResult Reject(WebSocketCloseStatus status, string reason, ReadOnlyMemory<byte> notice) => _action switch
    {
        ViolationAction.Drop => MessageTransformResult.Drop(),
        ViolationAction.DropWithNotice => MessageTransformResult.Reply(notice),
        _ => MessageTransformResult.Close(status, reason),
    };

    /// <summary>Whether the payload is exactly one JSON document (allocation-free).</summary>
    internal static bool IsJson(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
            }

            return reader.TokenType != JsonTokenType.None;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
