namespace WebSocketProxy.Admin;

/// <summary>The answer to draining or resuming a backend (JSON).</summary>
/// <param name="Cluster">The cluster id.</param>
/// <param name="Backend">The backend id.</param>
/// <param name="Draining">Whether the backend is now draining.</param>
/// <param name="ActiveSessions">Its live sessions now.</param>
/// <param name="GracePeriod">How long live sessions keep running before they are closed with 1012, when draining.</param>
internal sealed record DrainResult(string Cluster, string Backend, bool Draining, int ActiveSessions, TimeSpan? GracePeriod);
