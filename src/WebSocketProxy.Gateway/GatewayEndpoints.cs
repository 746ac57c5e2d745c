namespace WebSocketProxy.Gateway;

/// <summary>The gateway's fixed operational paths.</summary>
internal static class GatewayEndpoints
{
    /// <summary>Liveness (<c>MapWebSocketProxyHealthChecks</c>): 200 while the process serves HTTP, also while it drains.</summary>
    public const string Liveness = "/healthz/live";

    /// <summary>
    /// Readiness (<c>MapWebSocketProxyHealthChecks</c>): 200 while not stopping and every cluster has a backend taking
    /// connections; 503 from SIGTERM on (the <see cref="ShutdownGate"/> answers during the shutdown delay, the library
    /// from the drain on).
    /// </summary>
    public const string Readiness = "/healthz/ready";

    /// <summary>Prometheus scrape endpoint.</summary>
    public const string Metrics = "/metrics";
}
