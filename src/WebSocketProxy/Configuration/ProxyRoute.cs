using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Messages;
using WebSocketProxy.Security;

namespace WebSocketProxy.Configuration;

/// <summary>A validated route with every default applied.</summary>
internal sealed class ProxyRoute
{
    public const long DefaultMaxMessageBytes = 1024 * 1024;
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(30);

    public ProxyRoute(string id, RouteConfig config, RoutePattern pattern, IReadOnlyList<IMessageTransformer> transformers)
    {
        Id = id;
        Config = config;
        Pattern = pattern;
        ClusterId = config.Cluster ?? string.Empty;
        MaxMessageBytes = config.MaxMessageBytes ?? DefaultMaxMessageBytes;
        MaxClientMessageBytes = config.MaxClientMessageBytes ?? MaxMessageBytes;
        MaxBackendMessageBytes = config.MaxBackendMessageBytes ?? MaxMessageBytes;
        Security = RouteSecurityPolicy.Create(config);
        IdleTimeout = config.IdleTimeout is { } idle && idle > TimeSpan.Zero ? idle : (config.IdleTimeout is null ? DefaultIdleTimeout : Timeout.InfiniteTimeSpan);
        KeepAliveInterval = config.KeepAliveInterval ?? DefaultKeepAliveInterval;
        KeepAliveTimeout = config.KeepAliveTimeout ?? Timeout.InfiniteTimeSpan;
        if (KeepAliveTimeout == TimeSpan.Zero)
        {
            KeepAliveTimeout = Timeout.InfiniteTimeSpan;
        }

        AllowCompression = config.AllowCompression ?? false;
        ForwardHeaders = config.ForwardHeaders is { Count: > 0 } headers ? [.. headers] : [];
        XForwarded = config.XForwarded ?? ForwardedHeadersMode.Append;
        Transformers = transformers;

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

    public string ClusterId { get; }

    public string? CatchAllParameter { get; }

    public long MaxMessageBytes { get; }

    public long MaxClientMessageBytes { get; }

    public long MaxBackendMessageBytes { get; }

    public RouteSecurityPolicy Security { get; }

    public TimeSpan IdleTimeout { get; }

    public TimeSpan KeepAliveInterval { get; }

    public TimeSpan KeepAliveTimeout { get; }

    public bool AllowCompression { get; }

    public string[] ForwardHeaders { get; }

    public ForwardedHeadersMode XForwarded { get; }

    public IReadOnlyList<IMessageTransformer> Transformers { get; }

    /// <summary>Gets the maximum size of a message travelling in <paramref name="direction"/>.</summary>
    public long MaxMessageBytesFor(MessageDirection direction)
        => direction == MessageDirection.ClientToBackend ? MaxClientMessageBytes : MaxBackendMessageBytes;
}
