using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Backends;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>
/// What an operator can see and do, through the model's control surface only: list and close sessions, close a
/// user's sessions, drain or resume a backend, and read clusters and the live status.
/// </summary>
/// <remarks>Thread-safe; one instance per mapped admin API or status feed.</remarks>
internal sealed partial class AdminOperations
{
    private readonly SessionRegistry _sessions;
    private readonly IProxyConfigSource _config;
    private readonly IBackendDrainer _drainer;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AdminOperations> _logger;

    public AdminOperations(SessionRegistry sessions, IProxyConfigSource config, IBackendDrainer drainer, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<AdminOperations> logger)
    {
        _sessions = sessions;
        _config = config;
        _drainer = drainer;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Lists live sessions, oldest first, optionally only those of one user, route, cluster or backend.</summary>
    public IReadOnlyList<SessionInfo> ListSessions(string? user = null, string? route = null, string? cluster = null, string? backend = null)
    {
        var list = new List<SessionInfo>();
        foreach (var session in _sessions.Snapshot())
        {
            var snapshot = session.GetSnapshot();
            if (Matches(snapshot.User, user) && Matches(snapshot.RouteId, route) && Matches(snapshot.ClusterId, cluster) && Matches(snapshot.BackendId, backend))
            {
                list.Add(SessionInfo.From(snapshot, includePersonal: true));
            }
        }

        list.Sort(static (a, b) => a.Started.CompareTo(b.Started));
        return list;
    }

    /// <summary>Finds a live session by its id (the snapshot's, so a session ending meanwhile is still safe to look at).</summary>
    public ISessionControl? Find(string id)
    {
        foreach (var session in _sessions.Snapshot())
        {
            if (string.Equals(session.GetSnapshot().ConnectionId, id, StringComparison.Ordinal))
            {
                return session;
            }
        }

        return null;
    }

    /// <summary>Closes both legs with the status and reason, then waits (up to the close timeout) for the session to end and returns how it ended.</summary>
    public async Task<SessionInfo> CloseAsync(ISessionControl session, WebSocketCloseStatus status, string reason, string operatorName, CancellationToken cancellationToken)
    {
        Log.SessionClosed(_logger, session.GetSnapshot().ConnectionId, (int)status, reason, operatorName);
        var ended = session.Ended;
        session.RequestClose(status, reason, status, reason);
        if (!ended.IsCancellationRequested)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = ended.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), done);
            try
            {
                await done.Task.WaitAsync(_config.Current.Options.CloseTimeout, _timeProvider, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Still closing: the answer shows the session as it is; it ends by the close timeout at the latest.
            }
        }

        return SessionInfo.From(session.GetSnapshot(), includePersonal: true);
    }

    /// <summary>Closes every live session of a user (both legs, the same status and reason).</summary>
    public CloseResult CloseUser(string user, WebSocketCloseStatus status, string reason, string operatorName)
    {
        var closed = new List<string>();
        foreach (var session in _sessions.Snapshot())
        {
            var snapshot = session.GetSnapshot();
            if (string.Equals(snapshot.User, user, StringComparison.Ordinal))
            {
                session.RequestClose(status, reason, status, reason);
                closed.Add(snapshot.ConnectionId);
            }
        }

        Log.UserSessionsClosed(_logger, user, closed.Count, (int)status, reason, operatorName);
        return new CloseResult(user, closed.Count, closed);
    }

    /// <summary>Starts draining a backend; <see langword="null"/> when the cluster or backend is unknown.</summary>
    public DrainResult? Drain(string cluster, string backend, string operatorName)
    {
        if (!_drainer.Drain(cluster, backend) || FindBackend(cluster, backend) is not { } found)
        {
            return null;
        }

        Log.BackendDraining(_logger, cluster, backend, operatorName);
        return new DrainResult(cluster, found.State.Id, true, found.State.ActiveConnections, found.Cluster.BackendSettings().DrainGracePeriod);
    }

    /// <summary>Puts a drained backend back into service; <see langword="null"/> when the cluster or backend is unknown.</summary>
    public DrainResult? Resume(string cluster, string backend, string operatorName)
    {
        if (!_drainer.Resume(cluster, backend) || FindBackend(cluster, backend) is not { } found)
        {
            return null;
        }

        Log.BackendResumed(_logger, cluster, backend, operatorName);
        return new DrainResult(cluster, found.State.Id, found.Cluster.BackendSettings().IsDraining(found.State), found.State.ActiveConnections, null);
    }

    private (ClusterModel Cluster, BackendState State)? FindBackend(string clusterId, string backendId)
    {
        if (_config.Current.Clusters.TryGetValue(clusterId, out var cluster))
        {
            foreach (var backend in cluster.Backends)
            {
                if (string.Equals(backend.Id, backendId, StringComparison.OrdinalIgnoreCase))
                {
                    return (cluster, backend);
                }
            }
        }

        return null;
    }

    private static bool Matches(string? value, string? filter) => filter is null || string.Equals(value, filter, StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.AdminSessionClosed, EventName = nameof(EventIds.AdminSessionClosed), Level = LogLevel.Information, Message = "Operator {Operator} closed session {ConnectionId} with {CloseStatus} ({Reason}).")]
        public static partial void SessionClosed(ILogger logger, string connectionId, int closeStatus, string reason, string @operator);

        [LoggerMessage(EventId = EventIds.AdminUserSessionsClosed, EventName = nameof(EventIds.AdminUserSessionsClosed), Level = LogLevel.Information, Message = "Operator {Operator} closed the {SessionCount} sessions of user {User} with {CloseStatus} ({Reason}).")]
        public static partial void UserSessionsClosed(ILogger logger, string user, int sessionCount, int closeStatus, string reason, string @operator);

        [LoggerMessage(EventId = EventIds.AdminBackendDraining, EventName = nameof(EventIds.AdminBackendDraining), Level = LogLevel.Information, Message = "Operator {Operator} started draining backend {Backend} of cluster {Cluster}.")]
        public static partial void BackendDraining(ILogger logger, string cluster, string backend, string @operator);

        [LoggerMessage(EventId = EventIds.AdminBackendResumed, EventName = nameof(EventIds.AdminBackendResumed), Level = LogLevel.Information, Message = "Operator {Operator} put backend {Backend} of cluster {Cluster} back into service.")]
        public static partial void BackendResumed(ILogger logger, string cluster, string backend, string @operator);
    }
}
