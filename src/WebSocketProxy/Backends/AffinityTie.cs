namespace WebSocketProxy.Backends;

/// <summary>What ties one request to a backend: the connection key it carries (and the backend mapped to it), and the affinity cookie's value.</summary>
/// <param name="Policy">The route's affinity settings.</param>
/// <param name="Key">The connection key of the request (<c>id:…</c> for SignalR, <c>sid:…</c> for Socket.IO), or null.</param>
/// <param name="BackendId">The backend the key is mapped to, or null when the key is unknown.</param>
/// <param name="CookieValue">The affinity cookie the request carries, or null.</param>
internal sealed record AffinityTie(AffinityPolicy Policy, string? Key, string? BackendId, string? CookieValue)
{
    /// <summary>Gets whether the tie names a backend (by key or by cookie).</summary>
    public bool NamesBackend => BackendId is not null || CookieValue is not null;
}
