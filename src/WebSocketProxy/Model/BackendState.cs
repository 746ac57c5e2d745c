namespace WebSocketProxy.Model;

/// <summary>A backend as the proxy sees it at run time: its description and live state.</summary>
/// <remarks>
/// Thread-safe. The proxy creates and owns these: one instance lives as long as its backend stays in the
/// configuration (or in a resolver's answers), across reloads, so health and limits survive.
/// </remarks>
public sealed class BackendState
{
    private int _activeConnections;
    private int _slots;
    private volatile bool _draining;

    internal BackendState(BackendDescription description, IBackendHealth health)
    {
        Description = description;
        Health = health;
    }

    /// <summary>Gets the backend id, unique within its cluster.</summary>
    public string Id => Description.Id;

    /// <summary>Gets the backend's WebSocket address.</summary>
    public Uri Address => Description.Address;

    /// <summary>Gets the description this state was created for.</summary>
    public BackendDescription Description { get; }

    /// <summary>Gets the number of live proxied sessions to this backend.</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Gets the number of sessions plus handshakes in flight holding a slot of this backend's connection limit; the built-in <c>LeastConnections</c> and <c>PowerOfTwoChoices</c> policies compare it.</summary>
    public int ConnectionSlots => Volatile.Read(ref _slots);

    /// <summary>Gets whether the backend is draining: it takes no new connections.</summary>
    /// <value><see langword="false"/> unless drained at run time (a backend flagged <c>Draining</c> in configuration is left out of selection by its cluster).</value>
    public bool IsDraining => _draining;

    /// <summary>Gets the Host header (and TLS server name) sent to a backend addressed by IP.</summary>
    internal string? HostHeader => Description.HostHeader;

    /// <summary>Gets the health the backends stage keeps for this backend (active probes, circuit breaker).</summary>
    internal IBackendHealth Health { get; }

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
