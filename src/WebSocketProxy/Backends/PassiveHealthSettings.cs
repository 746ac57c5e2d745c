using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>Passive health settings with defaults applied.</summary>
internal sealed record PassiveHealthSettings
{
    public PassiveHealthSettings(PassiveHealthConfig? config)
    {
        Enabled = config?.Enabled ?? true;
        FailureRatio = config?.FailureRatio ?? 0.5;
        MinimumThroughput = config?.MinimumThroughput ?? 5;
        SamplingDuration = config?.SamplingDuration ?? TimeSpan.FromSeconds(30);
        BreakDuration = config?.BreakDuration ?? TimeSpan.FromSeconds(30);
    }

    public bool Enabled { get; }

    public double FailureRatio { get; }

    public int MinimumThroughput { get; }

    public TimeSpan SamplingDuration { get; }

    public TimeSpan BreakDuration { get; }
}
