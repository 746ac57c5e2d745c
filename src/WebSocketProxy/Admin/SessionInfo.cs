using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>One live session as the admin API and the status feed show it (JSON).</summary>
/// <param name="Id">The connection id (the handshake request's trace identifier).</param>
/// <param name="Route">The route id.</param>
/// <param name="Cluster">The cluster id.</param>
/// <param name="Backend">The backend id.</param>
/// <param name="User">The authenticated user's id; left out of the status feed.</param>
/// <param name="RemoteAddress">The client's IP address; left out of the status feed.</param>
/// <param name="Started">When the session was accepted.</param>
/// <param name="SubProtocol">The negotiated subprotocol, if any.</param>
/// <param name="ClientToBackend">Messages and bytes forwarded from the client.</param>
/// <param name="BackendToClient">Messages and bytes forwarded from the backend.</param>
/// <param name="ClientCloseStatus">The client leg's close status, once the session has ended.</param>
/// <param name="BackendCloseStatus">The backend leg's close status, once the session has ended.</param>
/// <param name="CloseInitiator">Who ended the session first (<c>client</c>, <c>backend</c>, <c>proxy</c>), once it has ended.</param>
/// <param name="Instance">The gateway instance that holds the session (the admin API lists every instance's sessions with Redis); left out of the status feed.</param>
internal sealed record SessionInfo(
    string Id,
    string Route,
    string Cluster,
    string? Backend,
    string? User,
    string? RemoteAddress,
    DateTimeOffset Started,
    string? SubProtocol,
    TrafficInfo ClientToBackend,
    TrafficInfo BackendToClient,
    int? ClientCloseStatus,
    int? BackendCloseStatus,
    string? CloseInitiator,
    string? Instance = null)
{
    public static SessionInfo From(SessionSnapshot session, bool includePersonal, string? instance = null) => new(
        session.ConnectionId,
        session.RouteId,
        session.ClusterId,
        session.BackendId,
        includePersonal ? session.User : null,
        includePersonal ? session.RemoteAddress : null,
        session.StartedAt,
        session.SubProtocol,
        TrafficInfo.From(session.ClientToBackend),
        TrafficInfo.From(session.BackendToClient),
        session.ClientCloseStatus,
        session.BackendCloseStatus,
        session.CloseInitiator,
        instance);
}
