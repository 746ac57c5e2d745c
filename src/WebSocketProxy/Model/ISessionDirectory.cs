using System.Net.WebSockets;

namespace WebSocketProxy.Model;

/// <summary>
/// Which sessions are live and where, and how to close them: the seam the admin API lists and closes sessions through.
/// The default covers this process (<see cref="SessionRegistry"/>); the Redis package lists every instance's sessions
/// and delivers closes to the instance that holds them.
/// </summary>
/// <remarks>Thread-safe. Implementations never throw for a store failure: a listing returns what it could read.</remarks>
internal interface ISessionDirectory
{
    /// <summary>Gets the id of this instance (the <see cref="SessionEntry.Instance"/> of the sessions it holds).</summary>
    string InstanceId { get; }

    /// <summary>Lists the live sessions (cluster-wide for a distributed directory).</summary>
    Task<IReadOnlyList<SessionEntry>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Closes the sessions <paramref name="target"/> selects wherever they are held (a backend target also drains that
    /// backend on every instance), and returns how many sessions were told to close.
    /// </summary>
    Task<int> CloseAsync(SessionTarget target, CancellationToken cancellationToken);
}

/// <summary>One live session as a directory knows it.</summary>
/// <param name="Id">The connection id (<see cref="ProxyConnectionContext.ConnectionId"/>).</param>
/// <param name="User">The client's partition key: <c>user:&lt;id&gt;</c> when authenticated, else <c>ip:&lt;address&gt;</c>.</param>
/// <param name="Route">The route id.</param>
/// <param name="Cluster">The cluster id.</param>
/// <param name="Backend">The backend id, when connected.</param>
/// <param name="Started">When the session started.</param>
/// <param name="Instance">The instance that holds it.</param>
/// <param name="Snapshot">The session as its holder last saw it (traffic, user id, address, subprotocol), for the admin API.</param>
internal sealed record SessionEntry(string Id, string User, string Route, string Cluster, string? Backend, DateTimeOffset Started, string Instance, SessionSnapshot? Snapshot = null);

/// <summary>What a close selects.</summary>
internal enum SessionTargetKind
{
    /// <summary>One session, by connection id.</summary>
    Session,

    /// <summary>Every session of a user (<c>alice</c> or the partition key <c>user:alice</c> / <c>ip:10.0.0.1</c>).</summary>
    User,

    /// <summary>A backend: drained (no new sessions, live ones closed after the cluster's grace period).</summary>
    Backend,

    /// <summary>A drained backend put back into service (nothing is closed; the count is its live sessions).</summary>
    ResumeBackend,
}

/// <summary>The sessions a close selects.</summary>
/// <param name="Kind">What <paramref name="Value"/> names.</param>
/// <param name="Value">A connection id, a user or a backend id.</param>
/// <param name="ClusterId">The backend's cluster, for <see cref="SessionTargetKind.Backend"/> and <see cref="SessionTargetKind.ResumeBackend"/>.</param>
/// <param name="Status">The close status both legs get; when left out the client gets 1008 and the backend 1001.</param>
/// <param name="Reason">The close reason both legs get; <c>Closed by an operator</c> when left out.</param>
internal sealed record SessionTarget(SessionTargetKind Kind, string Value, string? ClusterId = null, WebSocketCloseStatus? Status = null, string? Reason = null);
