namespace WebSocketProxy.Model;

/// <summary>A backend as a backend resolver describes it: an id and an address. The proxy owns the run-time <see cref="BackendState"/> for it.</summary>
/// <param name="Id">The backend id, unique within its cluster.</param>
/// <param name="Address">The backend's WebSocket address (<c>ws://</c> or <c>wss://</c>).</param>
/// <remarks>
/// Descriptions are compared by value: a resolver may build new ones on every call and the backend keeps its
/// health, connection-limit slots and live count, which live on the <see cref="BackendState"/> the proxy keeps per description.
/// </remarks>
public sealed record BackendDescription(string Id, Uri Address)
{
    /// <summary>Gets the <c>Host</c> header (and TLS server name) to send when <see cref="Address"/> names an IP address, such as one a DNS resolver expanded.</summary>
    /// <value><see langword="null"/> by default: the host of <see cref="Address"/>.</value>
    public string? HostHeader { get; init; }
}
