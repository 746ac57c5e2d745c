namespace WebSocketProxy.Admin;

/// <summary>One cluster with its backends' health and live counts (JSON).</summary>
/// <param name="Id">The cluster id.</param>
/// <param name="ActiveSessions">Live sessions on the cluster's backends.</param>
/// <param name="HealthyBackends">Backends that take new connections.</param>
/// <param name="Backends">The backends: configured ones, and any other one a live session uses.</param>
internal sealed record ClusterInfo(string Id, int ActiveSessions, int HealthyBackends, IReadOnlyList<BackendInfo> Backends);
