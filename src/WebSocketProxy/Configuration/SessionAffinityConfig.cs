namespace WebSocketProxy.Configuration;

/// <summary>
/// How the HTTP requests of a real-time client (SignalR negotiate and long polling, Socket.IO polling) and its later WebSocket
/// upgrade reach the same backend, on a route with <see cref="RouteConfig.ForwardHttp"/>.
/// </summary>
/// <remarks>
/// Two ties, checked in this order: a connection key the backend handed out (SignalR's <c>connectionToken</c>/<c>connectionId</c>,
/// carried later as <c>id</c>; Socket.IO's <c>sid</c>) mapped to the backend that issued it, and a cookie naming the backend
/// (a hash of its id). A tied request skips the load-balancing policy; a tie to a backend that is gone, draining, unhealthy or
/// unreachable is dropped and the request goes to another backend.
/// </remarks>
public sealed record SessionAffinityConfig
{
    /// <summary>Gets whether affinity is on.</summary>
    /// <value>Defaults to <see langword="true"/> on a route with <see cref="RouteConfig.ForwardHttp"/>; it has no effect without it.</value>
    public bool? Enabled { get; init; }

    /// <summary>Gets the name of the affinity cookie; empty turns the cookie off (connection keys only).</summary>
    /// <value>Defaults to <c>.WebSocketProxy.Affinity</c>.</value>
    public string? CookieName { get; init; }

    /// <summary>Gets how long a connection key stays mapped to its backend after it was last used.</summary>
    /// <value>Defaults to 10 minutes.</value>
    public TimeSpan? KeyLifetime { get; init; }

    /// <summary>Gets how many connection keys the route keeps at most; the ones closest to expiry are dropped first.</summary>
    /// <value>Defaults to 100000.</value>
    public int? MaxKeys { get; init; }
}
