using System.Net.WebSockets;
using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>
/// The session side: listing and closing go through <see cref="ISessionDirectory"/>, so with a distributed directory
/// an operator sees and closes the sessions of every instance from any of them. A session held here is closed
/// directly and the answer waits for it to end; one held elsewhere is closed through the directory and the answer
/// comes once its holder was told.
/// </summary>
internal sealed partial class AdminOperations
{
    /// <summary>Lists live sessions (cluster-wide for a distributed directory), oldest first, optionally only those of one user, route, cluster or backend.</summary>
    public async Task<IReadOnlyList<SessionInfo>> ListSessionsAsync(string? user, string? route, string? cluster, string? backend, CancellationToken cancellationToken)
    {
        var list = new List<SessionInfo>();
        foreach (var entry in await _directory.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var info = Describe(entry);
            if ((user is null || IsUser(entry, info, user)) && Matches(info.Route, route) && Matches(info.Cluster, cluster) && Matches(info.Backend, backend))
            {
                list.Add(info);
            }
        }

        list.Sort(static (a, b) => a.Started.CompareTo(b.Started));
        return list;
    }

    /// <summary>Finds a live session by its id on any instance; <see langword="null"/> when none has it.</summary>
    public async Task<SessionInfo?> FindAsync(string id, CancellationToken cancellationToken)
    {
        if (FindLocal(id) is { } local)
        {
            return SessionInfo.From(local.GetSnapshot(), includePersonal: true, _directory.InstanceId);
        }

        foreach (var entry in await _directory.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.Equals(entry.Id, id, StringComparison.Ordinal))
            {
                return Describe(entry);
            }
        }

        return null;
    }

    /// <summary>
    /// Closes both legs of a session with the status and reason; <see langword="null"/> when no instance holds it. Held
    /// here: waits (up to the close timeout) for it to end and returns how it ended. Held elsewhere: returns it as
    /// listed once its holder was told (the holder closes it the same way).
    /// </summary>
    public async Task<SessionInfo?> CloseAsync(string id, WebSocketCloseStatus status, string reason, string operatorName, CancellationToken cancellationToken)
    {
        if (FindLocal(id) is { } local)
        {
            return await CloseLocalAsync(local, status, reason, operatorName, cancellationToken).ConfigureAwait(false);
        }

        if (await FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } remote)
        {
            return null;
        }

        Log.SessionClosed(_logger, id, (int)status, reason, operatorName);
        await _directory.CloseAsync(new SessionTarget(SessionTargetKind.Session, id, null, status, reason), cancellationToken).ConfigureAwait(false);
        return remote;
    }

    /// <summary>Closes every live session of a user on every instance (both legs, the same status and reason).</summary>
    public async Task<CloseResult> CloseUserAsync(string user, WebSocketCloseStatus status, string reason, string operatorName, CancellationToken cancellationToken)
    {
        var listed = await ListSessionsAsync(user, null, null, null, cancellationToken).ConfigureAwait(false);
        var closed = await _directory.CloseAsync(new SessionTarget(SessionTargetKind.User, user, null, status, reason), cancellationToken).ConfigureAwait(false);
        Log.UserSessionsClosed(_logger, user, closed, (int)status, reason, operatorName);
        return new CloseResult(user, closed, [.. listed.Select(static s => s.Id)]);
    }

    private async Task<SessionInfo> CloseLocalAsync(ISessionControl session, WebSocketCloseStatus status, string reason, string operatorName, CancellationToken cancellationToken)
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
                await done.Task.WaitAsync(_config.Current.Options.CloseTimeout, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Still closing: the answer shows the session as it is; it ends by the close timeout at the latest.
            }
        }

        return SessionInfo.From(session.GetSnapshot(), includePersonal: true, _directory.InstanceId);
    }

    private ISessionControl? FindLocal(string id)
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

    /// <summary>A directory entry as the admin API shows it: the holder's snapshot (traffic as of its last heartbeat for another instance).</summary>
    private static SessionInfo Describe(SessionEntry entry) => entry.Snapshot is { } snapshot
        ? SessionInfo.From(snapshot, includePersonal: true, entry.Instance)
        : new SessionInfo(entry.Id, entry.Route, entry.Cluster, entry.Backend, UserId(entry.User), null, entry.Started, null, new TrafficInfo(0, 0), new TrafficInfo(0, 0), null, null, null, entry.Instance);

    /// <summary>Whether a session is the user's: the authenticated user id, or the partition key (<c>user:alice</c>, <c>ip:10.0.0.1</c>).</summary>
    private static bool IsUser(SessionEntry entry, SessionInfo info, string user)
        => string.Equals(info.User, user, StringComparison.Ordinal) || string.Equals(entry.User, user, StringComparison.Ordinal);

    private static string? UserId(string key) => key.StartsWith("user:", StringComparison.Ordinal) ? key[5..] : null;

    private static bool Matches(string? value, string? filter) => filter is null || string.Equals(value, filter, StringComparison.Ordinal);
}
