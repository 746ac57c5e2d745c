namespace WebSocketProxy.Admin;

/// <summary>What the gateway is doing now, as the live status feed sends it every interval (JSON).</summary>
/// <param name="Time">When the report was made.</param>
/// <param name="Draining">Whether the gateway is shutting down.</param>
/// <param name="ActiveSessions">Live proxied sessions.</param>
/// <param name="EndedSessions">Sessions ended since the start.</param>
/// <param name="ClientToBackend">Everything forwarded from clients since the start (ended and live sessions); rates are differences of two reports.</param>
/// <param name="BackendToClient">Everything forwarded from backends since the start.</param>
/// <param name="CloseStatuses">How many legs ended with each close status, by side.</param>
/// <param name="Clusters">Clusters with backend health and live counts.</param>
/// <param name="Sessions">The newest live sessions (at most the report's limit), newest first.</param>
internal sealed record StatusReport(
    DateTimeOffset Time,
    bool Draining,
    int ActiveSessions,
    long EndedSessions,
    TrafficInfo ClientToBackend,
    TrafficInfo BackendToClient,
    IReadOnlyList<CloseStatusCount> CloseStatuses,
    IReadOnlyList<ClusterInfo> Clusters,
    IReadOnlyList<SessionInfo> Sessions);
