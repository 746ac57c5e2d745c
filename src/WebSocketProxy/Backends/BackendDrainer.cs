using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Drains backends: out of selection at once, live sessions closed with 1012 after the grace period.</summary>
internal sealed partial class BackendDrainer : IBackendDrainer, IDisposable
{
    private readonly IProxyConfigSource _config;
    private readonly SessionRegistry _sessions;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BackendDrainer> _logger;
    private readonly ConcurrentDictionary<BackendState, ITimer> _timers = new(ReferenceEqualityComparer.Instance);

    public BackendDrainer(IProxyConfigSource config, SessionRegistry sessions, TimeProvider timeProvider, ILogger<BackendDrainer> logger)
    {
        _config = config;
        _sessions = sessions;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public bool Drain(string clusterId, string backendId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentException.ThrowIfNullOrEmpty(backendId);
        if (!TryFind(clusterId, backendId, out var cluster, out var backend))
        {
            return false;
        }

        backend.SetDraining(true);
        StartCloseTimer(cluster, backend);
        return true;
    }

    public bool Resume(string clusterId, string backendId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentException.ThrowIfNullOrEmpty(backendId);
        if (!TryFind(clusterId, backendId, out _, out var backend))
        {
            return false;
        }

        backend.SetDraining(false);
        if (_timers.TryRemove(backend, out var timer))
        {
            timer.Dispose();
        }

        Log.Resumed(_logger, clusterId, backendId);
        return true;
    }

    /// <summary>Schedules the 1012 close of a backend's live sessions (admin drain or <c>Draining: true</c> in configuration). Once per drain.</summary>
    public void StartCloseTimer(ClusterModel cluster, BackendState backend)
    {
        var grace = cluster.BackendSettings().DrainGracePeriod;
        var added = false;
        _timers.GetOrAdd(backend, b =>
        {
            added = true;
            return _timeProvider.CreateTimer(static state => ((DrainWork)state!).Run(), new DrainWork(this, cluster.Id, b), grace, Timeout.InfiniteTimeSpan);
        });
        if (added)
        {
            Log.Draining(_logger, cluster.Id, backend.Id, backend.ActiveConnections, grace);
        }
    }

    /// <summary>Forgets the close timer of a backend no longer draining by configuration.</summary>
    public void Forget(BackendState backend)
    {
        if (!backend.IsDraining && _timers.TryRemove(backend, out var timer))
        {
            timer.Dispose();
        }
    }

    public bool IsScheduled(BackendState backend) => _timers.ContainsKey(backend);

    public void Dispose()
    {
        foreach (var (_, timer) in _timers)
        {
            timer.Dispose();
        }
    }

    private void CloseSessions(string clusterId, BackendState backend)
    {
        var closed = 0;
        foreach (var session in _sessions.Snapshot())
        {
            if (ReferenceEquals(session.Connection.Backend, backend))
            {
                session.RequestClose(ProxyCloseStatus.ServiceRestart, "Backend draining", System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "Proxy draining this backend");
                closed++;
            }
        }

        Log.Drained(_logger, clusterId, backend.Id, closed);
    }

    private bool TryFind(string clusterId, string backendId, out ClusterModel cluster, out BackendState backend)
    {
        backend = null!;
        if (!_config.Current.Clusters.TryGetValue(clusterId, out cluster!))
        {
            return false;
        }

        foreach (var candidate in cluster.Backends)
        {
            if (string.Equals(candidate.Id, backendId, StringComparison.OrdinalIgnoreCase))
            {
                backend = candidate;
                return true;
            }
        }

        return false;
    }

    private sealed class DrainWork(BackendDrainer owner, string clusterId, BackendState backend)
    {
        public void Run() => owner.CloseSessions(clusterId, backend);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.BackendDraining, EventName = nameof(EventIds.BackendDraining), Level = LogLevel.Information, Message = "Backend {Backend} of cluster {Cluster} is draining: no new connections; its {SessionCount} live sessions close with 1012 in {GracePeriod}.")]
        public static partial void Draining(ILogger logger, string cluster, string backend, int sessionCount, TimeSpan gracePeriod);

        [LoggerMessage(EventId = EventIds.BackendDrained, EventName = nameof(EventIds.BackendDrained), Level = LogLevel.Information, Message = "Backend {Backend} of cluster {Cluster}: closed {SessionCount} sessions with 1012.")]
        public static partial void Drained(ILogger logger, string cluster, string backend, int sessionCount);

        [LoggerMessage(EventId = EventIds.BackendResumed, EventName = nameof(EventIds.BackendResumed), Level = LogLevel.Information, Message = "Backend {Backend} of cluster {Cluster} is back in service.")]
        public static partial void Resumed(ILogger logger, string cluster, string backend);
    }
}
