namespace WebSocketProxy.Configuration;

/// <summary>One backend WebSocket endpoint.</summary>
public sealed record BackendConfig
{
    /// <summary>Gets the backend address: <c>ws://</c>, <c>wss://</c>, or <c>http(s)://</c> (taken as <c>ws(s)://</c>).</summary>
    /// <value>Required. Used as is, plus the route's catch-all value and the request's query string.</value>
    public string? Address { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
