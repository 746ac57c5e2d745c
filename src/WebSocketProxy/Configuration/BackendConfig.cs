namespace WebSocketProxy.Configuration;

/// <summary>One backend WebSocket endpoint.</summary>
public sealed record BackendConfig
{
    /// <summary>Gets the backend address: <c>ws://</c>, <c>wss://</c>, or <c>http(s)://</c> (taken as <c>ws(s)://</c>).</summary>
    /// <value>Required. Used as is, plus the route's catch-all value and the request's query string.</value>
    public string? Address { get; init; }

    /// <summary>Gets whether the backend is draining: it gets no new connections and its live sessions are closed with 1012 after the cluster's <see cref="ClusterConfig.DrainGracePeriod"/>.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? Draining { get; init; }

    /// <summary>Gets the most live sessions this backend may hold, overriding <see cref="ClusterConfig.MaxConnectionsPerBackend"/>.</summary>
    /// <value>Not set by default.</value>
    public int? MaxConnections { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
