using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>Active health settings with defaults applied.</summary>
internal sealed class ActiveHealthSettings
{
    public ActiveHealthSettings(ActiveHealthConfig config)
    {
        Interval = config.Interval ?? TimeSpan.FromSeconds(10);
        Timeout = config.Timeout ?? TimeSpan.FromSeconds(2);
        Kind = config.Kind ?? HealthProbeKind.Http;
        Path = string.IsNullOrEmpty(config.Path) ? (Kind == HealthProbeKind.Http ? "/health" : null) : config.Path;
        HealthyThreshold = config.HealthyThreshold ?? 1;
        UnhealthyThreshold = config.UnhealthyThreshold ?? 2;
    }

    public TimeSpan Interval { get; }

    public TimeSpan Timeout { get; }

    public HealthProbeKind Kind { get; }

    public string? Path { get; }

    public int HealthyThreshold { get; }

    public int UnhealthyThreshold { get; }
}
