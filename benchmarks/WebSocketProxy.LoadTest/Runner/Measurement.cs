namespace WebSocketProxy.LoadTest.Runner;

/// <summary>One scenario measured once against one target.</summary>
internal sealed class Measurement
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public int Round { get; init; }

    public int Connections { get; init; }

    /// <summary>Completed operations (round trips, echoed messages, connections) in the measured window.</summary>
    public long Operations { get; init; }

    public double Seconds { get; init; }

    /// <summary>Operations per second.</summary>
    public double Rate => Seconds > 0 ? Operations / Seconds : 0;

    public double? P50Us { get; init; }

    public double? P99Us { get; init; }

    /// <summary>Proxy CPU time (user + system) per operation, in microseconds.</summary>
    public double? ProxyCpuUsPerOp { get; init; }

    /// <summary>
    /// CPU time (user + system) of the load side — generator and echo backend — per operation, in microseconds. When it
    /// nears the load core's whole time, the harness, not the proxy, bounds the rate.
    /// </summary>
    public double? LoadCpuUsPerOp { get; init; }

    /// <summary>Peak working set of the proxy process so far (VmHWM), in KiB.</summary>
    public long? ProxyPeakWorkingSetKb { get; init; }

    /// <summary>Growth of the proxy's working set per idle connection, in KiB.</summary>
    public double? KbPerConnection { get; init; }

    /// <summary>Bytes the proxy allocated per operation, in KB (.NET proxies only), and its collections per generation in the window.</summary>
    public double? AllocatedKbPerOp { get; init; }

    public string? Collections { get; init; }

    public long Errors { get; init; }
}
