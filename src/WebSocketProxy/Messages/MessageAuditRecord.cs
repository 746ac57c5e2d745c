using System.Net.WebSockets;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Messages;

/// <summary>One audited message: who sent it where, when, how big it was, and a truncated, redacted copy of its payload.</summary>
public sealed record MessageAuditRecord
{
    /// <summary>Gets when the proxy received the message.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the session's id (the handshake's trace identifier, as in the proxy's logs).</summary>
    public required string ConnectionId { get; init; }

    /// <summary>Gets the route's id.</summary>
    public required string RouteId { get; init; }

    /// <summary>Gets the authenticated user's name or subject, or <see langword="null"/> for an anonymous client.</summary>
    public string? User { get; init; }

    /// <summary>Gets which way the message travelled.</summary>
    public required MessageDirection Direction { get; init; }

    /// <summary>Gets the message type (text or binary) at the point of the pipeline where it was audited.</summary>
    public required WebSocketMessageType MessageType { get; init; }

    /// <summary>Gets the message size in bytes (before truncation).</summary>
    public required int Size { get; init; }

    /// <summary>Gets the copy of the payload: text as text (JSON with the configured paths masked), binary as base64; empty when payloads are not recorded.</summary>
    public required string Payload { get; init; }

    /// <summary>Gets whether <see cref="Payload"/> holds only the first bytes of the message.</summary>
    public bool Truncated { get; init; }
}
