namespace WebSocketProxy.Backends;

/// <summary>A backend WebSocket endpoint as the proxy sees it at run time: its address and live state.</summary>
/// <remarks>Thread-safe. One instance lives as long as the backend stays in the configuration, across reloads.</remarks>
public sealed class Backend
{
    private int _activeConnections;
    private int _slots;
    private volatile bool _draining;

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

    /// <summary>Gets whether the backend is draining: it takes no new connections.</summary>
    /// <value><see langword="false"/> unless drained with <see cref="IBackendDrainer"/> (a backend flagged <c>Draining</c> in configuration is left out of selection by its cluster).</value>
    public bool IsDraining => _draining;

    /// <summary>Gets the Host header (and TLS server name) sent to a backend addressed by IP, such as one the <c>Dns</c> resolver expanded.</summary>
    internal string? HostHeader { get; init; }

    /// <summary>Gets the health state (active probes and passive circuit breaker) of this backend.</summary>
    internal BackendHealth Health { get; } = new();

    /// <summary>Gets the number of sessions plus handshakes in flight that hold a slot of this backend's connection limit.</summary>
    internal int Slots => Volatile.Read(ref _slots);

    internal void OnSessionStarted() => Interlocked.Increment(ref _activeConnections);

    /// <summary>Ends a session: the live count and the session's connection-limit slot are released.</summary>
    internal void OnSessionEnded()
    {
        Interlocked.Decrement(ref _activeConnections);
        ReleaseSlot();
    }

    /// <summary>Takes a connection-limit slot for a handshake; false when the backend already holds <paramref name="limit"/> slots.</summary>
    internal bool TryAcquireSlot(int limit)
    {
        while (true)
        {
            var current = Volatile.Read(ref _slots);
            if (current >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _slots, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Releases a slot taken by <see cref="TryAcquireSlot"/> whose handshake did not become a session.</summary>
    internal void ReleaseSlot() => Interlocked.Decrement(ref _slots);

    internal void SetDraining(bool draining) => _draining = draining;

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({Address})";
}
