namespace WebSocketProxy.Transformers;

/// <summary>What <see cref="JsonRedactor.Redact"/> did with a payload.</summary>
internal enum RedactionOutcome
{
    /// <summary>Valid JSON with nothing to mask: use the payload as it is.</summary>
    Unchanged,

    /// <summary>At least one value was masked: the redacted copy is in the writer.</summary>
    Redacted,

    /// <summary>Not one JSON document.</summary>
    NotJson,
}
