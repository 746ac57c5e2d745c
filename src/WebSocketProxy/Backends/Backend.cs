namespace WebSocketProxy.Backends;

/// <summary>A backend WebSocket endpoint as the proxy sees it at run time: its address and live state.</summary>
/// <remarks>Thread-safe. One instance lives as long as the backend stays in the configuration, across reloads.</remarks>
public sealed class Backend
{
    private int _activeConnections;

    /// <summary>Creates a backend.</summary>
    /// <param name="id">The backend id, unique within its cluster.</param>
    /// <param name="address">The backend's WebSocket address (<c>ws://</c> or <c>wss://</c>).</param>
    public Backend(string id, Uri address)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(address);
        Id = id;
        Address = address;
    }

    /// <summary>Gets the backend id, unique within its cluster.</summary>
    public string Id { get; }

    /// <summary>Gets the backend's WebSocket address.</summary>
    public Uri Address { get; }

    /// <summary>Gets the number of live proxied sessions to this backend.</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    internal void OnSessionStarted() => Interlocked.Increment(ref _activeConnections);

    internal void OnSessionEnded() => Interlocked.Decrement(ref _activeConnections);

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Address})";
}
