using Microsoft.Extensions.Logging;
using WebSocketProxy.Backends;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>
/// What an operator can see and do, through the model's control surface only: list and close sessions, close a
/// user's sessions, drain or resume a backend (all through <see cref="ISessionDirectory"/>, so cluster-wide when the
/// directory is), and read clusters and the live status (this instance).
/// </summary>
/// <remarks>Thread-safe; one instance per mapped admin API or status feed.</remarks>
internal sealed partial class AdminOperations
{
    private readonly SessionRegistry _sessions;
    private readonly ISessionDirectory _directory;
    private readonly IProxyConfigSource _config;
    private readonly IBackendDrainer _drainer;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<AdminOperations> _logger;
    private readonly IUsageTotals? _usage;

    public AdminOperations(SessionRegistry sessions, ISessionDirectory directory, IProxyConfigSource config, IBackendDrainer drainer, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<AdminOperations> logger, IUsageTotals? usage = null)
    {
        _usage = usage;
        _sessions = sessions;
        _directory = directory;
        _config = config;
        _drainer = drainer;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Starts draining a backend on every instance the directory reaches; <see langword="null"/> when the cluster or
    /// backend is unknown here. The answer counts the backend's live sessions on all of them.
    /// </summary>
    public async Task<DrainResult?> DrainAsync(string cluster, string backend, string operatorName, CancellationToken cancellationToken)
    {
        if (!_drainer.Drain(cluster, backend) || FindBackend(cluster, backend) is not { } found)
        {
            return null;
        }

        Log.BackendDraining(_logger, cluster, backend, operatorName);
        var sessions = await _directory.CloseAsync(new SessionTarget(SessionTargetKind.Backend, found.State.Id, cluster), cancellationToken).ConfigureAwait(false);
        return new DrainResult(cluster, found.State.Id, true, sessions, found.Cluster.BackendSettings().DrainGracePeriod);
    }

    /// <summary>Puts a drained backend back into service on every instance; <see langword="null"/> when the cluster or backend is unknown here.</summary>
    public async Task<DrainResult?> ResumeAsync(string cluster, string backend, string operatorName, CancellationToken cancellationToken)
    {
        if (!_drainer.Resume(cluster, backend) || FindBackend(cluster, backend) is not { } found)
        {
            return null;
        }

        Log.BackendResumed(_logger, cluster, backend, operatorName);
        var sessions = await _directory.CloseAsync(new SessionTarget(SessionTargetKind.ResumeBackend, found.State.Id, cluster), cancellationToken).ConfigureAwait(false);
        return new DrainResult(cluster, found.State.Id, found.Cluster.BackendSettings().IsDraining(found.State), sessions, null);
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
