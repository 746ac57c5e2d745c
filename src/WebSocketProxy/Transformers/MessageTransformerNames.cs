namespace WebSocketProxy.Transformers;

/// <summary>The names of the built-in message transformers, for a route's transformer lists or an entry's <c>Type</c> setting.</summary>
public static class MessageTransformerNames
{
    /// <summary>Wraps client messages as <c>{ "data": …, "meta": { "user", "connectionId", "route", "receivedAt" } }</c> and unwraps the backend's <c>data</c>.</summary>
    public const string JsonEnvelope = "JsonEnvelope";

    /// <summary>Masks fields of JSON text messages selected by JSON paths (<c>$.card.number</c>, <c>$..password</c>).</summary>
    public const string JsonRedaction = "JsonRedaction";

    /// <summary>Converts text messages to binary or back (UTF-8) for a side that expects the other type.</summary>
    public const string TextBinary = "TextBinary";

    /// <summary>Translates binary frames of a declared layout to JSON text and back.</summary>
    public const string BinaryJson = "BinaryJson";

    /// <summary>Sends sampled, truncated and redacted copies of messages to the audit sinks; never changes a message.</summary>
    public const string MessageAudit = "MessageAudit";
}
