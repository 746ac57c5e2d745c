namespace WebSocketProxy.Configuration;

/// <summary>Built-in validation of the messages a client sends: valid JSON, a JSON Schema, and a deny-list of patterns.</summary>
/// <remarks>Validation assembles each message (like a transformer) and runs before the route's transformers, on client→backend messages only.</remarks>
public sealed record MessageValidationConfig
{
    /// <summary>Gets whether every message must be one valid JSON document (text messages; binary messages are rejected).</summary>
    /// <value>Defaults to <see langword="false"/>; implied by <see cref="JsonSchema"/>.</value>
    public bool? RequireJson { get; init; }

    /// <summary>Gets a JSON Schema (draft 2020-12 unless the schema says otherwise), inline, that every message must satisfy.</summary>
    /// <value>None by default.</value>
    public string? JsonSchema { get; init; }

    /// <summary>Gets regular expressions that no text message may match, run by the linear-time non-backtracking engine (no backreferences or lookarounds).</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<string>? DenyPatterns { get; init; }

    /// <summary>Gets what happens to an invalid message.</summary>
    /// <value>Defaults to <see cref="ViolationAction.Close"/>: 1007 for invalid JSON or schema, 1008 for a denied pattern.</value>
    public ViolationAction? OnInvalid { get; init; }
}
