namespace WebSocketProxy.Configuration;

/// <summary>Active health probing: every backend of the cluster is probed on an interval by one background service.</summary>
public sealed record ActiveHealthConfig
{
    /// <summary>Gets whether active probing is on.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? Enabled { get; init; }

    /// <summary>Gets the time between two probes of the same backend.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan? Interval { get; init; }

    /// <summary>Gets how long one probe may take before it counts as a failure.</summary>
    /// <value>Defaults to 2 seconds.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets the kind of probe.</summary>
    /// <value>Defaults to <see cref="HealthProbeKind.Http"/>.</value>
    public HealthProbeKind? Kind { get; init; }

    /// <summary>Gets the path probed, replacing the path of the backend address.</summary>
    /// <value>Defaults to <c>/health</c> for HTTP probes; a WebSocket probe uses the backend address itself unless a path is set.</value>
    public string? Path { get; init; }

    /// <summary>Gets how many consecutive successful probes turn an unhealthy backend healthy. An unknown backend is healthy after its first success.</summary>
    /// <value>Defaults to 1.</value>
    public int? HealthyThreshold { get; init; }

    /// <summary>Gets how many consecutive failed probes turn a backend unhealthy.</summary>
    /// <value>Defaults to 2.</value>
    public int? UnhealthyThreshold { get; init; }
}
