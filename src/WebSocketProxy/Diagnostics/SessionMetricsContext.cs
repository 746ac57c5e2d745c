namespace WebSocketProxy.Diagnostics;

/// <summary>What <see cref="ProxyMetrics.SessionStarted"/> recorded for one session, handed back when it ends.</summary>
/// <param name="Route">The route id tag.</param>
/// <param name="Cluster">The cluster id tag.</param>
/// <param name="CountedActive">Whether the session was added to the active-sessions counter (a listener was attached when it started).</param>
internal readonly record struct SessionMetricsContext(string Route, string Cluster, bool CountedActive);
