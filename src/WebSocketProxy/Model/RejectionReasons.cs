namespace WebSocketProxy.Model;

/// <summary>
/// The bounded reasons a handshake is refused, as they appear in the <c>websocket_proxy.rejected_handshakes</c>
/// metric's <c>error.type</c> tag and in logs.
/// </summary>
public static class RejectionReasons
{
    /// <summary>The request is not a WebSocket upgrade (400).</summary>
    public const string NotWebSocket = "not_websocket";

    /// <summary>The client asked for a WebSocket version other than 13 (426).</summary>
    public const string BadVersion = "bad_version";

    /// <summary>The path carries an encoded dot segment or separator (<c>..%2F</c>, <c>%2e%2e/</c>, <c>..;/</c>) that would reach the backend as a traversal (400).</summary>
    public const string InvalidPath = "invalid_path";

    /// <summary>The gateway is draining for shutdown (503).</summary>
    public const string ShuttingDown = "shutting_down";

    /// <summary>The route names a cluster that does not exist (503).</summary>
    public const string NoCluster = "no_cluster";

    /// <summary>The request's <c>Origin</c> may not open the route (403).</summary>
    public const string OriginNotAllowed = "origin_not_allowed";

    /// <summary>A concurrent-session limit per IP address or user is reached (429).</summary>
    public const string TooManyConnections = "too_many_connections";

    /// <summary>A shared limit store (Redis) could not answer and its limits are configured to fail closed (503).</summary>
    public const string LimitsUnavailable = "limits_unavailable";

    /// <summary>The cluster's backend resolver failed (503).</summary>
    public const string ResolverFailed = "resolver_failed";

    /// <summary>The resolver returned no backend (503).</summary>
    public const string NoBackend = "no_backend";

    /// <summary>Every backend is unhealthy or draining (503).</summary>
    public const string NoHealthyBackend = "no_healthy_backend";

    /// <summary>Every backend is at its connection limit (503).</summary>
    public const string BackendsFull = "backends_full";

    /// <summary>No backend could be reached (502).</summary>
    public const string BackendUnreachable = "backend_unreachable";

    /// <summary>No backend completed the handshake in time (504).</summary>
    public const string BackendTimeout = "backend_timeout";

    /// <summary>The backend refused the upgrade with a status of its own, which the client receives.</summary>
    public const string BackendRefused = "backend_refused";

    /// <summary>The backend answered the upgrade incorrectly (502).</summary>
    public const string BackendInvalidHandshake = "backend_invalid_handshake";
}
