using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Messages;

/// <summary>The default audit sink: one structured log entry per record under its own category, <c>WebSocketProxy.MessageAudit</c>, so it can be routed or filtered apart from the proxy's logs.</summary>
internal sealed partial class LoggingMessageAuditSink : IMessageAuditSink
{
    public const string Category = "WebSocketProxy.MessageAudit";

    private readonly ILogger _logger;

    public LoggingMessageAuditSink(ILogger logger)
    {
        _logger = logger;
    }

    public ValueTask WriteAsync(IReadOnlyList<MessageAuditRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            Log.Audited(_logger, record.Direction, record.MessageType.ToString(), record.Size, record.RouteId, record.ConnectionId, record.User, record.Timestamp, record.Truncated, record.Payload);
        }

        return ValueTask.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.MessageAudited, EventName = nameof(EventIds.MessageAudited), Level = LogLevel.Information, Message = "{Direction} {MessageType} message of {Size} bytes on route {Route}, session {ConnectionId}, user {User}, at {Timestamp} (truncated: {Truncated}): {Payload}")]
        public static partial void Audited(ILogger logger, MessageDirection direction, string messageType, int size, string route, string connectionId, string? user, DateTimeOffset timestamp, bool truncated, string payload);
    }
}
