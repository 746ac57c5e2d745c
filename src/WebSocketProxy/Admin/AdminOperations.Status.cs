using WebSocketProxy.Backends;
using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>The read side: clusters with backend health and live counts, and the live status report.</summary>
internal sealed partial class AdminOperations
{
    /// <summary>Every cluster of the current configuration, by id, with its backends' health and live counts.</summary>
    public IReadOnlyList<ClusterInfo> Clusters()
    {
        // Backends a resolver chose (not in the configuration) are known through the live sessions that use them.
        var resolved = new Dictionary<string, List<BackendState>>(StringComparer.Ordinal);
        foreach (var session in _sessions.Snapshot())
        {
            if (session.Connection.Backend is { } backend)
            {
                if (!resolved.TryGetValue(session.Connection.ClusterId, out var list))
                {
                    resolved[session.Connection.ClusterId] = list = [];
                }

                if (!list.Contains(backend))
                {
                    list.Add(backend);
                }
            }
        }

        var clusters = new List<ClusterInfo>(_config.Current.Clusters.Count);
        foreach (var (id, cluster) in _config.Current.Clusters)
        {
            var settings = cluster.BackendSettings();
            var backends = new List<BackendInfo>(cluster.Backends.Count);
            var states = new List<BackendState>(cluster.Backends);
            foreach (var extra in resolved.GetValueOrDefault(id) ?? [])
            {
                if (!states.Contains(extra))
                {
                    states.Add(extra);
                }
            }

            int sessions = 0, healthy = 0;
            foreach (var state in states)
            {
                var health = state.HealthState();
                var draining = settings.IsDraining(state);
                var breakerOpen = !health.IsBreakerClosed(_timeProvider);
                var takesConnections = health.IsAvailable(_timeProvider) && !draining;
                backends.Add(new BackendInfo(
                    state.Id,
                    state.Address.GetLeftPart(UriPartial.Path),
                    takesConnections,
                    health.Active switch { BackendHealthState.Healthy => "healthy", BackendHealthState.Unhealthy => "unhealthy", _ => "unknown" },
                    breakerOpen,
                    draining,
                    state.ActiveConnections,
                    state.ConnectionSlots));
                sessions += state.ActiveConnections;
                healthy += takesConnections ? 1 : 0;
            }

            clusters.Add(new ClusterInfo(id, sessions, healthy, backends));
        }

        clusters.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return clusters;
    }

    /// <summary>Builds the live status: totals since the start (ended sessions plus the live ones' counters), close statuses, clusters and the newest sessions.</summary>
    /// <param name="maxSessions">How many sessions to list, newest first.</param>
    /// <param name="includePersonal">Whether sessions carry the user and the client address (the admin API) or not (the public status feed).</param>
    public StatusReport Report(int maxSessions, bool includePersonal)
    {
        var statistics = _metrics.Statistics;
        var ended = statistics.SessionsEnded;
        var toBackend = statistics.ClientToBackend;
        var toClient = statistics.BackendToClient;
        long toBackendMessages = toBackend.Messages, toBackendBytes = toBackend.Bytes, toClientMessages = toClient.Messages, toClientBytes = toClient.Bytes;
        var live = new List<SessionSnapshot>(_sessions.Count);
        foreach (var session in _sessions.Snapshot())
        {
            var snapshot = session.GetSnapshot();
            live.Add(snapshot);
            toBackendMessages += snapshot.ClientToBackend.Messages;
            toBackendBytes += snapshot.ClientToBackend.Bytes;
            toClientMessages += snapshot.BackendToClient.Messages;
            toClientBytes += snapshot.BackendToClient.Bytes;
        }

        live.Sort(static (a, b) => b.StartedAt.CompareTo(a.StartedAt));
        var listed = new List<SessionInfo>(Math.Min(maxSessions, live.Count));
        for (var i = 0; i < live.Count && i < maxSessions; i++)
        {
            listed.Add(SessionInfo.From(live[i], includePersonal));
        }

        var closes = new List<CloseStatusCount>();
        foreach (var (side, status, count) in statistics.CloseStatuses())
        {
            closes.Add(new CloseStatusCount(side, status, count));
        }

        return new StatusReport(
            _timeProvider.GetUtcNow(),
            _sessions.IsDraining,
            live.Count,
            ended,
            new TrafficInfo(toBackendMessages, toBackendBytes),
            new TrafficInfo(toClientMessages, toClientBytes),
            closes,
            Clusters(),
            listed);
    }
}
