namespace WebSocketProxy.Backends;

/// <summary>What active probing knows about a backend.</summary>
internal enum BackendHealthState
{
    /// <summary>Not probed yet (or probing is off): selectable.</summary>
    Unknown,

    /// <summary>The last probes succeeded.</summary>
    Healthy,

    /// <summary>At least the unhealthy threshold of consecutive probes failed: not selectable.</summary>
    Unhealthy,
}
