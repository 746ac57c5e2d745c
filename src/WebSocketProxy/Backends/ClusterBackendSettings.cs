using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>A cluster's backend settings (resolver, policy, connect, health, failover, limits, TLS) with every default applied: the backends stage's feature of a <see cref="Model.ClusterModel"/>. Immutable, one per configuration generation.</summary>
internal sealed class ClusterBackendSettings
{
    public static readonly TimeSpan DefaultConnectDeadline = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultDrainGracePeriod = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultResolverRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, int> _limits = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _draining = new(StringComparer.OrdinalIgnoreCase);

    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    public ClusterBackendSettings(ClusterConfig config, IBackendResolver resolver, ILoadBalancingPolicy loadBalancing)
    {
        Resolver = resolver;
        LoadBalancing = loadBalancing;
        ConnectTimeout = config.ConnectTimeout ?? DefaultConnectTimeout;
        Compression = config.Compression ?? false;
        HttpVersion = config.HttpVersion == "2.0" ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11;
        ConnectAttempts = config.ConnectAttempts ?? 3;
        ConnectDeadline = config.ConnectDeadline ?? DefaultConnectDeadline;
        ConnectRetryDelay = config.ConnectRetryDelay ?? TimeSpan.Zero;
        HashKey = HashKeySource.TryParse(config.HashKey, out var key) ? key : HashKeySource.ClientIp;
        var health = config.HealthCheck;
        PanicMode = health?.PanicMode ?? true;
        RetryAfter = health?.RetryAfter ?? DefaultRetryAfter;
        Passive = new PassiveHealthSettings(health?.Passive);
        Active = health?.Active is { Enabled: true } active ? new ActiveHealthSettings(active) : null;
        Tls = config.Tls;
        DrainGracePeriod = config.DrainGracePeriod ?? DefaultDrainGracePeriod;
        ResolverRefreshInterval = config.ResolverRefreshInterval ?? DefaultResolverRefreshInterval;
        DefaultConnectionLimit = config.MaxConnectionsPerBackend ?? int.MaxValue;
        if (config.Backends is not null)
        {
            foreach (var (id, backend) in config.Backends)
            {
                if (backend?.MaxConnections is { } limit)
                {
                    _limits[id] = limit;
                }

                if (backend?.Draining == true)
                {
                    _draining.Add(id);
                }
            }
        }
    }

    public IBackendResolver Resolver { get; }

    public ILoadBalancingPolicy LoadBalancing { get; }

    /// <summary>Gets how long one backend handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>Gets whether permessage-deflate is offered to the backends.</summary>
    public bool Compression { get; }

    /// <summary>Gets the HTTP version of the backend handshakes (exact: no downgrade).</summary>
    public Version HttpVersion { get; }

    public int ConnectAttempts { get; }

    public TimeSpan ConnectDeadline { get; }

    public TimeSpan ConnectRetryDelay { get; }

    public HashKeySource HashKey { get; }

    public bool PanicMode { get; }

    public TimeSpan RetryAfter { get; }

    public PassiveHealthSettings Passive { get; }

    /// <summary>Gets the active probe settings, or null when probing is off.</summary>
    public ActiveHealthSettings? Active { get; }

    public BackendTlsConfig? Tls { get; }

    public TimeSpan DrainGracePeriod { get; }

    public TimeSpan ResolverRefreshInterval { get; }

    public int DefaultConnectionLimit { get; }

    /// <summary>Gets the ids of backends flagged <c>Draining</c> in configuration.</summary>
    public IReadOnlySet<string> ConfigDraining => _draining;

    public int ConnectionLimit(BackendState backend) => _limits.TryGetValue(backend.Id, out var limit) ? limit : DefaultConnectionLimit;

    /// <summary>Whether the backend is drained by the administrator or by configuration.</summary>
    public bool IsDraining(BackendState backend) => backend.IsDraining || (_draining.Count > 0 && _draining.Contains(backend.Id));
}
