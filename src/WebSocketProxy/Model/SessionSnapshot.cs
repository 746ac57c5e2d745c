namespace WebSocketProxy.Model;

/// <summary>
/// A live (or just ended) session at one moment: what the admin API lists, the status feed shows, and the
/// end-of-session log line and activity report. Counters are read without locks, so the two directions may be a
/// message apart.
/// </summary>
internal sealed record SessionSnapshot
{
    /// <summary>Gets the connection id (the handshake request's trace identifier).</summary>
    public required string ConnectionId { get; init; }

    public required string RouteId { get; init; }

    public required string ClusterId { get; init; }

    /// <summary>Gets the backend id; <see langword="null"/> only before a backend was chosen.</summary>
    public string? BackendId { get; init; }

    /// <summary>Gets the authenticated user's id (<c>sub</c>, name identifier or name), or <see langword="null"/> for an anonymous client.</summary>
    public string? User { get; init; }

    /// <summary>Gets the client's IP address as the gateway saw it.</summary>
    public string? RemoteAddress { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets the subprotocol the backend chose (and the client got), if any.</summary>
    public string? SubProtocol { get; init; }

    /// <summary>Gets the messages and bytes forwarded from the client to the backend.</summary>
    public SessionTraffic ClientToBackend { get; init; }

    /// <summary>Gets the messages and bytes forwarded from the backend to the client.</summary>
    public SessionTraffic BackendToClient { get; init; }

    /// <summary>Gets the close status of the client leg once the session has ended: the first close frame on it (the proxy's when it closed first, else the client's); 1006 when there was none.</summary>
    public int? ClientCloseStatus { get; init; }

    /// <summary>Gets the close status of the backend leg once the session has ended: the first close frame on it (the proxy's when it closed first, else the backend's); 1006 when there was none.</summary>
    public int? BackendCloseStatus { get; init; }

    /// <summary>Gets who ended the session first: <c>client</c>, <c>backend</c> or <c>proxy</c> (a drain, an operator, a timeout, a broken rule); <see langword="null"/> while it runs.</summary>
    public string? CloseInitiator { get; init; }
}
