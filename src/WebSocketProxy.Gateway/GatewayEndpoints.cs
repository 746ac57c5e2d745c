namespace WebSocketProxy.Gateway;

/// <summary>The gateway's fixed operational paths.</summary>
internal static class GatewayEndpoints
{
    /// <summary>Liveness: 200 while the process serves HTTP; no checks run.</summary>
    public const string Liveness = "/healthz/live";

    /// <summary>Readiness: checks tagged <see cref="ReadyTag"/> — not stopping, and every cluster has a backend taking connections.</summary>
    public const string Readiness = "/healthz/ready";

    /// <summary>Prometheus scrape endpoint.</summary>
    public const string Metrics = "/metrics";

    /// <summary>The health check tag readiness runs.</summary>
    public const string ReadyTag = "ready";
}
