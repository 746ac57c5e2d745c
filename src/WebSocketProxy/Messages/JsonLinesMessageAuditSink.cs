using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Messages;

/// <summary>
/// An audit sink that appends one JSON object per line to a file (JSON Lines), flushed after every batch, for
/// compliance archives and log shippers. Fields: <c>timestamp</c>, <c>connectionId</c>, <c>route</c>, <c>user</c>,
/// <c>direction</c>, <c>messageType</c>, <c>size</c>, <c>truncated</c>, <c>payload</c>.
/// </summary>
/// <remarks>The file is opened on the first batch (its folder is created) and shared for reading; rotation is left to the operator (e.g. logrotate with copytruncate).</remarks>
internal sealed class JsonLinesMessageAuditSink : IMessageAuditSink, IAsyncDisposable
{
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText ConnectionIdName = JsonEncodedText.Encode("connectionId");
    private static readonly JsonEncodedText RouteName = JsonEncodedText.Encode("route");
    private static readonly JsonEncodedText UserName = JsonEncodedText.Encode("user");
    private static readonly JsonEncodedText DirectionName = JsonEncodedText.Encode("direction");
    private static readonly JsonEncodedText MessageTypeName = JsonEncodedText.Encode("messageType");
    private static readonly JsonEncodedText SizeName = JsonEncodedText.Encode("size");
    private static readonly JsonEncodedText TruncatedName = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText PayloadName = JsonEncodedText.Encode("payload");

    private readonly string _path;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _json;
    private FileStream? _stream;

    public JsonLinesMessageAuditSink(string path)
    {
        _path = Path.GetFullPath(path);
        _json = new Utf8JsonWriter(_buffer);
    }

    public async ValueTask WriteAsync(IReadOnlyList<MessageAuditRecord> records, CancellationToken cancellationToken)
    {
        _stream ??= Open(_path);
        foreach (var record in records)
        {
            _json.Reset(_buffer);
            _json.WriteStartObject();
            _json.WriteString(TimestampName, record.Timestamp);
            _json.WriteString(ConnectionIdName, record.ConnectionId);
            _json.WriteString(RouteName, record.RouteId);
            if (record.User is null)
            {
                _json.WriteNull(UserName);
            }
            else
            {
                _json.WriteString(UserName, record.User);
            }

            _json.WriteString(DirectionName, record.Direction == MessageDirection.ClientToBackend ? "client_to_backend" : "backend_to_client");
            _json.WriteString(MessageTypeName, record.MessageType == WebSocketMessageType.Text ? "text" : "binary");
            _json.WriteNumber(SizeName, record.Size);
            _json.WriteBoolean(TruncatedName, record.Truncated);
            _json.WriteString(PayloadName, record.Payload);
            _json.WriteEndObject();
            _json.Flush();
            _buffer.Write("\n"u8);
        }

        await _stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
        _buffer.ResetWrittenCount();
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }
    }

    private static FileStream Open(string path)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0, useAsync: true);
    }
}
