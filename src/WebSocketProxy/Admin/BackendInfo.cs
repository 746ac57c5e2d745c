namespace WebSocketProxy.Admin;

/// <summary>One backend's health and live counts (JSON).</summary>
/// <param name="Id">The backend id.</param>
/// <param name="Address">The backend address without its query.</param>
/// <param name="Healthy">Whether it takes new connections: not unhealthy by probe, breaker not open, not draining.</param>
/// <param name="Health">The active probe state: <c>unknown</c> (not probed), <c>healthy</c> or <c>unhealthy</c>.</param>
/// <param name="BreakerOpen">Whether the passive circuit breaker keeps new connections away.</param>
/// <param name="Draining">Whether the backend is draining.</param>
/// <param name="ActiveSessions">Its live sessions.</param>
/// <param name="ConnectionSlots">Sessions plus handshakes in flight holding a slot of its connection limit.</param>
internal sealed record BackendInfo(string Id, string Address, bool Healthy, string Health, bool BreakerOpen, bool Draining, int ActiveSessions, int ConnectionSlots);
