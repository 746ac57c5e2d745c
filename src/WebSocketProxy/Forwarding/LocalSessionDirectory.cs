using System.Net.WebSockets;
using WebSocketProxy.Backends;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>The default <see cref="ISessionDirectory"/>: the sessions of this process. Distributed directories use it for their local part.</summary>
internal sealed class LocalSessionDirectory : ISessionDirectory
{
    /// <summary>The reason an operator's close gives both legs.</summary>
    public const string CloseReason = "Closed by an operator";

    private readonly SessionRegistry _sessions;
    private readonly IBackendDrainer _drainer;

    public LocalSessionDirectory(SessionRegistry sessions, IBackendDrainer drainer)
    {
        _sessions = sessions;
        _drainer = drainer;
    }

    /// <inheritdoc />
    public string InstanceId { get; } = Environment.MachineName + ":" + Environment.ProcessId;

    /// <summary>Lists this process's sessions, naming <paramref name="instance"/> as their holder.</summary>
    public List<SessionEntry> List(string instance)
    {
        var entries = new List<SessionEntry>();
        foreach (var (session, started) in _sessions.WithStartTimes())
        {
            var connection = session.Connection;
            entries.Add(new SessionEntry(connection.ConnectionId, ClientKeys.User(connection.HttpContext), connection.RouteId, connection.ClusterId, connection.Backend?.Id, started, instance, session.GetSnapshot()));
        }

        return entries;
    }

    /// <summary>Closes (or, for a backend, drains) what <paramref name="target"/> selects in this process; returns how many sessions were told.</summary>
    public int Close(SessionTarget target)
    {
        var count = 0;
        var reason = target.Reason ?? CloseReason;
        var drained = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in _sessions.Snapshot())
        {
            var connection = session.Connection;
            switch (target.Kind)
            {
                case SessionTargetKind.Session when connection.ConnectionId == target.Value:
                case SessionTargetKind.User when IsUser(ClientKeys.User(connection.HttpContext), target.Value):
                    session.RequestClose(target.Status ?? WebSocketCloseStatus.PolicyViolation, reason, target.Status ?? WebSocketCloseStatus.EndpointUnavailable, reason);
                    count++;
                    break;
                case SessionTargetKind.Backend or SessionTargetKind.ResumeBackend when connection.Backend?.Id == target.Value && (target.ClusterId is null || target.ClusterId == connection.ClusterId):
                    drained.Add(connection.ClusterId);
                    count++;
                    break;
            }
        }

        if (target.Kind is SessionTargetKind.Backend or SessionTargetKind.ResumeBackend)
        {
            if (target.ClusterId is { } named)
            {
                drained.Add(named);
            }

            foreach (var cluster in drained)
            {
                _ = target.Kind == SessionTargetKind.Backend ? _drainer.Drain(cluster, target.Value) : _drainer.Resume(cluster, target.Value);
            }
        }

        return count;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SessionEntry>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SessionEntry>>(List(InstanceId));

    /// <inheritdoc />
    public Task<int> CloseAsync(SessionTarget target, CancellationToken cancellationToken) => Task.FromResult(Close(target));

    private static bool IsUser(string key, string user) => key == user || (key.StartsWith("user:", StringComparison.Ordinal) && key.AsSpan(5).SequenceEqual(user));
}
