using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Diagnostics;

/// <summary>The proxy's instruments, created once from <see cref="IMeterFactory"/>.</summary>
internal sealed class ProxyMetrics
{
    private static readonly object ClientToBackend = "client_to_backend";
    private static readonly object BackendToClient = "backend_to_client";
    private static readonly object Text = "text";
    private static readonly object Binary = "binary";

    private readonly UpDownCounter<long> _activeConnections;
    private readonly Histogram<double> _connectionDuration;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _connectDuration;
    private readonly Counter<long> _messages;
    private readonly Histogram<long> _messageSize;
    private readonly Counter<long> _dropped;

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(WebSocketProxyDiagnostics.MeterName);
        _activeConnections = meter.CreateUpDownCounter<long>("websocket_proxy.connections.active", "{connection}", "Number of live proxied WebSocket sessions.");
        _connectionDuration = meter.CreateHistogram<double>("websocket_proxy.connection.duration", "s", "Duration of proxied WebSocket sessions.");
        _rejected = meter.CreateCounter<long>("websocket_proxy.connections.rejected", "{connection}", "Handshakes refused before the upgrade.");
        _connectDuration = meter.CreateHistogram<double>("websocket_proxy.backend.connect.duration", "s", "Time to connect to a backend and complete its upgrade.");
        _messages = meter.CreateCounter<long>("websocket_proxy.messages", "{message}", "Messages forwarded.");
        _messageSize = meter.CreateHistogram<long>("websocket_proxy.message.size", "By", "Size of forwarded messages.");
        _dropped = meter.CreateCounter<long>("websocket_proxy.messages.dropped", "{message}", "Messages dropped by a limit or transformer.");
    }

    public static object DirectionTag(MessageDirection direction) => direction == MessageDirection.ClientToBackend ? ClientToBackend : BackendToClient;

    public void SessionStarted(string route, string cluster)
    {
        if (_activeConnections.Enabled)
        {
            _activeConnections.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("cluster", cluster));
        }
    }

    public void SessionEnded(string route, string cluster, TimeSpan duration, WebSocketCloseStatus? closeStatus)
    {
        if (_activeConnections.Enabled)
        {
            _activeConnections.Add(-1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("cluster", cluster));
        }

        if (_connectionDuration.Enabled)
        {
            var tags = new TagList
            {
                { "route", route },
                { "cluster", cluster },
                { "close_status", closeStatus is { } status ? (int)status : 1006 },
            };
            _connectionDuration.Record(duration.TotalSeconds, tags);
        }
    }

    public void Rejected(string route, int statusCode, string errorType)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("http.response.status_code", statusCode), new KeyValuePair<string, object?>("error_type", errorType));
        }
    }

    public void BackendConnected(string cluster, string backend, TimeSpan duration, string outcome)
    {
        if (_connectDuration.Enabled)
        {
            _connectDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public bool MessagesEnabled => _messages.Enabled || _messageSize.Enabled;

    public void MessageForwarded(string route, object direction, WebSocketMessageType type, long size)
    {
        var typeTag = type == WebSocketMessageType.Text ? Text : Binary;
        if (_messages.Enabled)
        {
            _messages.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("message_type", typeTag));
        }

        if (_messageSize.Enabled)
        {
            _messageSize.Record(size, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("message_type", typeTag));
        }
    }

    public void MessageDropped(string route, MessageDirection direction, string reason)
    {
        if (_dropped.Enabled)
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("direction", DirectionTag(direction)), new KeyValuePair<string, object?>("reason", reason));
        }
    }
}
