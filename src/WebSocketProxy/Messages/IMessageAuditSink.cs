namespace WebSocketProxy.Messages;

/// <summary>Receives the message audit trail: sampled, truncated and redacted copies of messages made by the <c>MessageAudit</c> transformer.</summary>
/// <remarks>
/// Registered with <c>AddMessageAuditSink&lt;T&gt;()</c> (or <c>AddMessageAuditFile</c>); without one, records are written as
/// structured logs under the <c>WebSocketProxy.MessageAudit</c> category. Records arrive in batches from one background
/// loop, never on a session's pump: a slow sink delays the trail, not the traffic (a full queue drops records and counts them).
/// </remarks>
public interface IMessageAuditSink
{
    /// <summary>Writes a batch of records.</summary>
    /// <param name="records">The records, oldest first; valid only until the returned task completes.</param>
    /// <param name="cancellationToken">Cancelled when the host stops and the last records could not be written in time.</param>
    /// <returns>A task that completes when the records are written.</returns>
    ValueTask WriteAsync(IReadOnlyList<MessageAuditRecord> records, CancellationToken cancellationToken);
}
