using System.Net.WebSockets;

namespace WebSocketProxy.Forwarding;

/// <summary>How one pump of a session ended.</summary>
internal enum PumpOutcomeKind
{
    /// <summary>The source sent a close frame.</summary>
    SourceClosed,

    /// <summary>The source vanished or broke the protocol (the socket already told it so).</summary>
    SourceFailed,

    /// <summary>The destination could not take a message.</summary>
    DestinationFailed,

    /// <summary>The source broke a rule of the route (size, policy): it gets <see cref="PumpOutcome.Status"/>.</summary>
    Violation,
}

/// <summary>How one pump of a session ended, and with what.</summary>
/// <remarks>A class for the same reason as <see cref="Backends.BackendSelection"/>: a pump's task returns it.</remarks>
internal sealed record PumpOutcome(PumpOutcomeKind Kind, WebSocketCloseStatus? Status, string? Reason, Exception? Error)
{
    public static PumpOutcome SourceClosed(WebSocketCloseStatus? status, string? reason) => new(PumpOutcomeKind.SourceClosed, status, reason, null);

    public static PumpOutcome SourceFailed(Exception error) => new(PumpOutcomeKind.SourceFailed, null, null, error);

    public static PumpOutcome DestinationFailed(Exception error) => new(PumpOutcomeKind.DestinationFailed, null, null, error);

    public static PumpOutcome Violation(WebSocketCloseStatus status, string reason) => new(PumpOutcomeKind.Violation, status, reason, null);
}
