using System.Diagnostics.Metrics;
using System.Diagnostics;
using System.Net.WebSockets;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Diagnostics;

/// <summary>
/// Every instrument of the library — proxy sessions, backends, LLM mode — on the one <c>WebSocketProxy</c> meter,
/// created once from <see cref="IMeterFactory"/>. Tag values are of bounded cardinality only.
/// </summary>
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
    private readonly Counter<long> _llmTokens;
    private readonly Histogram<double> _llmTimeToFirstToken;
    private readonly Counter<long> _llmRequests;
    private readonly Counter<long> _sharedStoreFailures;
    private Func<IEnumerable<Measurement<int>>>? _backendHealth;

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
        meter.CreateObservableGauge("websocket_proxy.backend.health", ObserveBackendHealth, "{backend}", "Backend health: 1 when the backend takes new connections (healthy, breaker closed, not draining), 0 otherwise.");
        _llmTokens = meter.CreateCounter<long>("websocket_proxy.llm.tokens", "{token}", "Tokens used by LLM requests, by token type (input, output).");
        _llmTimeToFirstToken = meter.CreateHistogram<double>("websocket_proxy.llm.time_to_first_token", "s", "Time from a chat.request to its first delta.");
        _sharedStoreFailures = meter.CreateCounter<long>("websocket_proxy.shared_store.failures", "{operation}", "Operations on the shared store (Redis) that failed or timed out, by feature and outcome (fail_open, fail_closed, skipped).");
        _llmRequests = meter.CreateCounter<long>("websocket_proxy.llm.requests", "{request}", "Finished LLM requests, by outcome.");
    }

    /// <summary>Counts a failed or timed-out operation on the shared store and what the feature did instead.</summary>
    public void SharedStoreFailed(string feature, string outcome)
        => _sharedStoreFailures.Add(1, new KeyValuePair<string, object?>("feature", feature), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Sets where the backend health gauge reads its measurements (the backends stage owns the state).</summary>
    public void ObserveBackendHealth(Func<IEnumerable<Measurement<int>>> source) => Volatile.Write(ref _backendHealth, source);

    public static object DirectionTag(MessageDirection direction) => direction == MessageDirection.ClientToBackend ? ClientToBackend : BackendToClient;

    /// <summary>Counts a session in; the returned context remembers whether it was counted, so the end never subtracts what was not added.</summary>
    public SessionMetricsContext SessionStarted(string route, string cluster)
    {
        var counted = _activeConnections.Enabled;
        if (counted)
        {
            _activeConnections.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("cluster", cluster));
        }

        return new SessionMetricsContext(route, cluster, counted);
    }

    public void SessionEnded(SessionMetricsContext session, TimeSpan duration, WebSocketCloseStatus? closeStatus)
    {
        var (route, cluster, counted) = session;
        if (counted)
        {
            // Even if every listener went away meanwhile: the instrument's total must return to where it was.
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

    /// <summary>Records one finished LLM request (tags: provider, model, outcome; the model is a configured id).</summary>
    public void LlmRequestFinished(string provider, string model, string outcome, long inputTokens, long outputTokens, TimeSpan? timeToFirstToken)
    {
        if (_llmTokens.Enabled)
        {
            _llmTokens.Add(inputTokens, new TagList { { "provider", provider }, { "model", model }, { "token_type", "input" } });
            _llmTokens.Add(outputTokens, new TagList { { "provider", provider }, { "model", model }, { "token_type", "output" } });
        }

        if (_llmTimeToFirstToken.Enabled && timeToFirstToken is { } ttft)
        {
            _llmTimeToFirstToken.Record(ttft.TotalSeconds, new TagList { { "provider", provider }, { "model", model } });
        }

        if (_llmRequests.Enabled)
        {
            _llmRequests.Add(1, new TagList { { "provider", provider }, { "model", model }, { "outcome", outcome } });
        }
    }

    private IEnumerable<Measurement<int>> ObserveBackendHealth() => Volatile.Read(ref _backendHealth)?.Invoke() ?? [];
}
