using System.Diagnostics.Metrics;
using System.Diagnostics;
using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Diagnostics;

/// <summary>
/// Every instrument of the library — proxy sessions, backends, LLM mode — on the one <c>WebSocketProxy</c> meter,
/// created once from <see cref="IMeterFactory"/>. Tag values are of bounded cardinality only.
/// </summary>
internal sealed partial class ProxyMetrics
{
    // Bucket advice (honoured by OpenTelemetry and other listeners): latencies as ASP.NET Core's request duration, sessions up to a day, sizes by powers of four.
    private static readonly double[] LatencySeconds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    private static readonly double[] SessionSeconds = [0.1, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];
    private static readonly long[] MessageBytes = [16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216];

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
    private readonly Counter<long> _transformerFailures;
    private readonly Counter<long> _auditRecords;
    private readonly Counter<long> _llmTokens;
    private readonly Histogram<double> _llmTimeToFirstToken;
    private readonly Counter<long> _llmRequests;
    private readonly Counter<double> _llmCost;
    private readonly Counter<long> _closes;
    private readonly UpDownCounter<long> _handshakes;
    private readonly Histogram<long> _genAiTokens;
    private readonly Histogram<double> _genAiDuration;
    private readonly Histogram<double> _genAiTimeToFirstChunk;
    private readonly Counter<long> _sharedStoreFailures;
    private Func<IEnumerable<Measurement<int>>>? _backendHealth;

    public ProxyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(WebSocketProxyDiagnostics.MeterName);
        _activeConnections = meter.CreateUpDownCounter<long>("websocket_proxy.connections.active", "{connection}", "Number of live proxied WebSocket sessions.");
        _connectionDuration = meter.CreateHistogram<double>("websocket_proxy.connection.duration", "s", "Duration of proxied WebSocket sessions.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SessionSeconds });
        _rejected = meter.CreateCounter<long>("websocket_proxy.connections.rejected", "{connection}", "Handshakes refused before the upgrade.");
        _connectDuration = meter.CreateHistogram<double>("websocket_proxy.backend.connect.duration", "s", "Time to connect to a backend and complete its upgrade.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencySeconds });
        _messages = meter.CreateCounter<long>("websocket_proxy.messages", "{message}", "Messages forwarded.");
        _messageSize = meter.CreateHistogram<long>("websocket_proxy.message.size", "By", "Size of forwarded messages.", tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = MessageBytes });
        _dropped = meter.CreateCounter<long>("websocket_proxy.messages.dropped", "{message}", "Messages dropped by a limit or transformer.");
        _transformerFailures = meter.CreateCounter<long>("websocket_proxy.transformer.failures", "{failure}", "Transformers that threw or overran the route's time budget (each closes its session with 1011).");
        _auditRecords = meter.CreateCounter<long>("websocket_proxy.audit.records", "{record}", "Message audit records, by outcome (written, dropped when the queue is full, failed in a sink).");
        meter.CreateObservableGauge("websocket_proxy.backend.health", ObserveBackendHealth, "{backend}", "Backend health: 1 when the backend takes new connections (healthy, breaker closed, not draining), 0 otherwise.");
        _llmTokens = meter.CreateCounter<long>("websocket_proxy.llm.tokens", "{token}", "Tokens used by LLM requests, by token type (input, output).");
        _llmTimeToFirstToken = meter.CreateHistogram<double>("websocket_proxy.llm.time_to_first_token", "s", "Time from a chat.request to its first delta.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencySeconds });
        _llmTimeToFirstToken = meter.CreateHistogram<double>("websocket_proxy.llm.time_to_first_token", "s", "Time from a chat.request to its first delta.");
        _sharedStoreFailures = meter.CreateCounter<long>("websocket_proxy.shared_store.failures", "{operation}", "Operations on the shared store (Redis) that failed or timed out, by feature and outcome (fail_open, fail_closed, skipped).");
        _llmRequests = meter.CreateCounter<long>("websocket_proxy.llm.requests", "{request}", "Finished LLM requests, by outcome.");
        _llmCost = meter.CreateCounter<double>("websocket_proxy.llm.cost", "{currency}", "Estimated cost of LLM requests, in the currency of the configured prices.");
        _closes = meter.CreateCounter<long>("websocket_proxy.closes", "{close}", "Close statuses of ended sessions: one per leg (side: client or backend), with who ended the session first (initiator: client, backend or proxy).");
        _handshakes = meter.CreateUpDownCounter<long>("websocket_proxy.handshakes.active", "{handshake}", "WebSocket upgrades being admitted and connected to a backend (handshakes in flight).");

        // OpenTelemetry GenAI client conventions: one measurement per provider call (an attempt), with the bucket advice they give.
        _genAiTokens = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Number of input and output tokens used.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864] });
        _genAiDuration = meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "GenAI operation duration.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        _genAiTimeToFirstChunk = meter.CreateHistogram<double>("gen_ai.client.operation.time_to_first_chunk", "s", "Time to receive the first chunk of a streaming GenAI response.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
    }

    /// <summary>Gets the running totals the status feed shows (ended sessions' traffic and close statuses); kept whether or not a listener is attached.</summary>
    public SessionStatistics Statistics { get; } = new();
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

    /// <summary>Counts a session out: the active count, its duration, one close per leg, and the running totals.</summary>
    public void SessionEnded(SessionMetricsContext session, SessionSnapshot snapshot, TimeSpan duration)
    {
        var (route, cluster, counted) = session;
        if (counted)
        {
            // Even if every listener went away meanwhile: the instrument's total must return to where it was.
            _activeConnections.Add(-1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("cluster", cluster));
        }

        var clientStatus = snapshot.ClientCloseStatus ?? 1006;
        var backendStatus = snapshot.BackendCloseStatus ?? 1006;
        if (_connectionDuration.Enabled)
        {
            var tags = new TagList
            {
                { "route", route },
                { "cluster", cluster },
                { "close_status", clientStatus },
            };
            _connectionDuration.Record(duration.TotalSeconds, tags);
        }

        var initiator = snapshot.CloseInitiator ?? "proxy";
        if (_closes.Enabled)
        {
            _closes.Add(1, new TagList { { "route", route }, { "side", "client" }, { "close_status", clientStatus }, { "initiator", initiator } });
            _closes.Add(1, new TagList { { "route", route }, { "side", "backend" }, { "close_status", backendStatus }, { "initiator", initiator } });
        }

        Statistics.SessionEnded(snapshot.ClientToBackend, snapshot.BackendToClient, clientStatus, backendStatus);
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

    /// <summary>Counts a transformer failure (tags: route, transformer as configured, error type: an exception type name or <c>timeout</c>).</summary>
    public void TransformerFailed(string route, string transformer, string errorType)
    {
        if (_transformerFailures.Enabled)
        {
            _transformerFailures.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("transformer", transformer), new KeyValuePair<string, object?>("error_type", errorType));
        }
    }

    /// <summary>Counts message audit records by outcome (<c>written</c>, <c>dropped</c>, <c>failed</c>).</summary>
    public void AuditRecords(string outcome, long count = 1)
    {
        if (_auditRecords.Enabled && count > 0)
        {
            _auditRecords.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>Records one finished LLM request (tags: provider, model, outcome; the model is a configured id) and its estimated cost, when prices are configured.</summary>
    public void LlmRequestFinished(string provider, string model, string outcome, long inputTokens, long outputTokens, TimeSpan? timeToFirstToken, decimal? estimatedCost = null)
    {
        if (_llmCost.Enabled && estimatedCost is { } cost && cost > 0)
        {
            _llmCost.Add((double)cost, new TagList { { "provider", provider }, { "model", model } });
        }

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

    /// <summary>
    /// Records one GenAI provider call with the OpenTelemetry GenAI attributes (<c>gen_ai.operation.name</c>,
    /// <c>gen_ai.provider.name</c>, <c>gen_ai.request.model</c>, <c>gen_ai.response.model</c>, <c>error.type</c>,
    /// <c>server.address</c>, <c>server.port</c>); models are configured ids or <c>other</c>.
    /// </summary>
    public void GenAiCallFinished(string provider, string model, string? errorType, string? serverAddress, int? serverPort, long? inputTokens, long? outputTokens, TimeSpan duration, TimeSpan? timeToFirstChunk)
    {
        if (!_genAiDuration.Enabled && !_genAiTokens.Enabled && !_genAiTimeToFirstChunk.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.provider.name", provider },
            { "gen_ai.request.model", model },
            { "gen_ai.response.model", model },
        };
        if (serverAddress is not null)
        {
            tags.Add("server.address", serverAddress);
            tags.Add("server.port", serverPort);
        }

        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }

        _genAiDuration.Record(duration.TotalSeconds, tags);
        if (timeToFirstChunk is { } first)
        {
            _genAiTimeToFirstChunk.Record(first.TotalSeconds, tags);
        }

        if (inputTokens is { } input)
        {
            var inputTags = tags;
            inputTags.Add("gen_ai.token.type", "input");
            _genAiTokens.Record(input, inputTags);
        }

        if (outputTokens is { } output)
        {
            var outputTags = tags;
            outputTags.Add("gen_ai.token.type", "output");
            _genAiTokens.Record(output, outputTags);
        }
    }

    private IEnumerable<Measurement<int>> ObserveBackendHealth() => Volatile.Read(ref _backendHealth)?.Invoke() ?? [];
}
