using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// The one background service of the backends: probes every backend of each cluster with active health on
/// (HTTP GET or a real WebSocket handshake, with a timeout and healthy/unhealthy thresholds), and applies
/// <c>Draining: true</c> flags from configuration. Sleeps until the next probe is due or the configuration changes.
/// </summary>
internal sealed partial class BackendHealthProbeService : BackgroundService
{
    private readonly IProxyConfigSource _config;
    private readonly BackendHttpInvokers _invokers;
    private readonly BackendDrainer _drainer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BackendHealthProbeService> _logger;
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.OrdinalIgnoreCase);

    public BackendHealthProbeService(IProxyConfigSource config, BackendHttpInvokers invokers, BackendDrainer drainer, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<BackendHealthProbeService> logger)
    {
        metrics.ObserveBackendHealth(ObserveHealth); // from host start: this service is created with the host
        _config = config;
        _invokers = invokers;
        _drainer = drainer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The <c>websocket_proxy.backend.health</c> gauge: 1 per configured backend that takes new connections, 0 otherwise.</summary>
    private IEnumerable<Measurement<int>> ObserveHealth()
    {
        foreach (var (_, cluster) in _config.Current.Clusters)
        {
            var settings = cluster.BackendSettings();
            foreach (var backend in cluster.Backends)
            {
                var healthy = backend.HealthState().IsAvailable(_timeProvider) && !settings.IsDraining(backend);
                yield return new Measurement<int>(
                    healthy ? 1 : 0,
                    new KeyValuePair<string, object?>("cluster", cluster.Id),
                    new KeyValuePair<string, object?>("backend", backend.Id));
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = _config.GetChangeToken();
            var snapshot = _config.Current;
            ApplyConfigDrains(snapshot);
            var next = await ProbeDueClustersAsync(snapshot, stoppingToken);

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var registration = changed.RegisterChangeCallback(static state => ((CancellationTokenSource)state!).Cancel(), wake);
            try
            {
                var delay = next is { } due ? due - _timeProvider.GetUtcNow() : Timeout.InfiniteTimeSpan;
                if (delay == Timeout.InfiniteTimeSpan || delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, wake.Token);
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The configuration changed: look at it again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void ApplyConfigDrains(ProxyConfigSnapshot snapshot)
    {
        foreach (var (_, cluster) in snapshot.Clusters)
        {
            var flagged = cluster.BackendSettings().ConfigDraining;
            foreach (var backend in cluster.Backends)
            {
                if (flagged.Contains(backend.Id))
                {
                    _drainer.StartCloseTimer(cluster, backend);
                }
                else
                {
                    _drainer.Forget(backend);
                }
            }
        }
    }

    /// <summary>Probes every cluster whose interval has come round; returns when the next probe is due, or null when none has probing on.</summary>
    private async Task<DateTimeOffset?> ProbeDueClustersAsync(ProxyConfigSnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        DateTimeOffset? next = null;
        List<Task>? probes = null;
        foreach (var (id, cluster) in snapshot.Clusters)
        {
            if (cluster.BackendSettings().Active is not { } active)
            {
                if (_due.Remove(id))
                {
                    foreach (var backend in cluster.Backends)
                    {
                        backend.HealthState().ResetActive();
                    }
                }

                continue;
            }

            if (!_due.TryGetValue(id, out var due) || due <= now)
            {
                (probes ??= []).Add(ProbeClusterAsync(cluster, active, cancellationToken));
                due = now + active.Interval;
                _due[id] = due;
            }

            if (next is null || due < next)
            {
                next = due;
            }
        }

        if (probes is not null)
        {
            await Task.WhenAll(probes);
        }

        return next;
    }

    private async Task ProbeClusterAsync(ClusterModel cluster, ActiveHealthSettings active, CancellationToken cancellationToken)
    {
        var invoker = _invokers.Get(cluster);
        var probes = new Task[cluster.Backends.Count];
        for (var i = 0; i < probes.Length; i++)
        {
            probes[i] = ProbeBackendAsync(cluster, cluster.Backends[i], active, invoker, cancellationToken);
        }

        await Task.WhenAll(probes);
    }

    private async Task ProbeBackendAsync(ClusterModel cluster, BackendState backend, ActiveHealthSettings active, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        bool healthy;
        using var timeout = new CancellationTokenSource(active.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            healthy = active.Kind == HealthProbeKind.WebSocket
                ? await ProbeWebSocketAsync(ProbeUri(backend.Address, active.Path, websocket: true), invoker, linked.Token)
                : await ProbeHttpAsync(ProbeUri(backend.Address, active.Path, websocket: false), invoker, linked.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or WebSocketException or OperationCanceledException or IOException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            healthy = false;
        }

        var changed = backend.HealthState().ReportProbe(healthy, active.HealthyThreshold, active.UnhealthyThreshold, _timeProvider.GetUtcNow());
        if (changed is { } state)
        {
            Log.HealthChanged(_logger, backend.Id, cluster.Id, state);
        }
    }

    private static async Task<bool> ProbeHttpAsync(Uri uri, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await invoker.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private static async Task<bool> ProbeWebSocketAsync(Uri uri, HttpMessageInvoker invoker, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(uri, invoker, cancellationToken);
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "health probe", cancellationToken);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The handshake succeeded; that is what the probe checks.
        }

        return true;
    }

    /// <summary>The probe target: the backend address with the probe path (if any) and an http(s) scheme for HTTP probes.</summary>
    internal static Uri ProbeUri(Uri address, string? path, bool websocket)
    {
        var builder = new UriBuilder(address);
        if (!websocket)
        {
            builder.Scheme = address.Scheme == "wss" ? "https" : "http";
            builder.Port = address.IsDefaultPort ? -1 : address.Port;
        }

        if (path is not null)
        {
            var query = path.IndexOf('?', StringComparison.Ordinal);
            builder.Path = query < 0 ? path : path[..query];
            builder.Query = query < 0 ? string.Empty : path[(query + 1)..];
        }

        return builder.Uri;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.BackendHealthChanged, EventName = nameof(EventIds.BackendHealthChanged), Level = LogLevel.Warning, Message = "Backend {Backend} of cluster {Cluster} is now {State} by active probes.")]
        public static partial void HealthChanged(ILogger logger, string backend, string cluster, BackendHealthState state);
    }
}
