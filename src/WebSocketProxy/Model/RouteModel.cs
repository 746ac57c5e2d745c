using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>A validated route: its configuration with the session defaults applied, and what each capability compiled for it.</summary>
internal sealed class RouteModel
{
    public const long DefaultMaxMessageBytes = 1024 * 1024;
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultKeepAliveTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan DefaultSendTimeout = TimeSpan.FromSeconds(30);
    public const int DefaultMaxFramesPerMessage = 1024;
    public const int DefaultMaxControlFramesPerSecond = 50;

    public RouteModel(string id, RouteConfig config, RoutePattern pattern, FeatureSet features)
    {
        Id = id;
        Config = config;
        Pattern = pattern;
        Features = features;
        ClusterId = config.Cluster ?? string.Empty;
        MaxMessageBytes = config.MaxMessageBytes ?? DefaultMaxMessageBytes;
        MaxClientMessageBytes = config.MaxClientMessageBytes ?? MaxMessageBytes;
        MaxBackendMessageBytes = config.MaxBackendMessageBytes ?? MaxMessageBytes;
        IdleTimeout = config.IdleTimeout is { } idle && idle > TimeSpan.Zero ? idle : (config.IdleTimeout is null ? DefaultIdleTimeout : Timeout.InfiniteTimeSpan);
        KeepAliveInterval = config.KeepAliveInterval ?? DefaultKeepAliveInterval;
        KeepAliveTimeout = config.KeepAliveTimeout ?? DefaultKeepAliveTimeout;
        if (KeepAliveTimeout == TimeSpan.Zero || KeepAliveInterval == TimeSpan.Zero)
        {
            KeepAliveTimeout = Timeout.InfiniteTimeSpan; // unsolicited pongs only (or no pings at all)
        }

        SendTimeout = config.SendTimeout is { } send && send > TimeSpan.Zero ? send : (config.SendTimeout is null ? DefaultSendTimeout : Timeout.InfiniteTimeSpan);
        MaxFramesPerMessage = config.MaxFramesPerMessage ?? DefaultMaxFramesPerMessage;
        MaxControlFramesPerSecond = config.MaxControlFramesPerSecond ?? DefaultMaxControlFramesPerSecond;

        AllowCompression = config.AllowCompression ?? false;
        foreach (var part in pattern.Parameters)
        {
            if (part.IsCatchAll)
            {
                CatchAllParameter = part.Name;
            }
        }
    }

    public string Id { get; }

    public RouteConfig Config { get; }

    public RoutePattern Pattern { get; }

    /// <summary>Gets what the capabilities compiled for this route (security policy, admission policy, message pipeline…).</summary>
    public FeatureSet Features { get; }

    public string ClusterId { get; }

    public string? CatchAllParameter { get; }

    public long MaxMessageBytes { get; }

    public long MaxClientMessageBytes { get; }

    public long MaxBackendMessageBytes { get; }

    public TimeSpan IdleTimeout { get; }

    public TimeSpan KeepAliveInterval { get; }

    public TimeSpan KeepAliveTimeout { get; }

    public bool AllowCompression { get; }

    /// <summary>Gets how long one write to a leg may stay pending before the session ends; infinite when disabled.</summary>
    public TimeSpan SendTimeout { get; }

    public int MaxFramesPerMessage { get; }

    public int MaxControlFramesPerSecond { get; }

    /// <summary>Gets the maximum size of a message travelling in <paramref name="direction"/>.</summary>
    public long MaxMessageBytesFor(MessageDirection direction)
        => direction == MessageDirection.ClientToBackend ? MaxClientMessageBytes : MaxBackendMessageBytes;
}
