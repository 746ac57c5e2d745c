using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>A cluster's backend settings (selection, health, failover, limits, TLS) with every default applied. Immutable, one per configuration generation.</summary>
internal sealed class ClusterBackendOptions
{
    public static readonly TimeSpan DefaultConnectDeadline = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultDrainGracePeriod = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultResolverRefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, int> _limits = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _draining = new(StringComparer.OrdinalIgnoreCase);

    public ClusterBackendOptions(ClusterConfig config)
    {
        ConnectAttempts = config.ConnectAttempts ?? 3;
        ConnectDeadline = config.ConnectDeadline ?? DefaultConnectDeadline;
        ConnectRetryDelay = config.ConnectRetryDelay ?? TimeSpan.Zero;
        HashKey = HashKeySource.TryParse(config.HashKey, out var key) ? key : HashKeySource.ClientIp;
        var health = config.HealthCheck;
        PanicMode = health?.PanicMode ?? false;
        RetryAfter = health?.RetryAfter ?? DefaultRetryAfter;
        Passive = new PassiveHealthOptions(health?.Passive);
        Active = health?.Active is { Enabled: true } active ? new ActiveHealthOptions(active) : null;
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

    public int ConnectAttempts { get; }

    public TimeSpan ConnectDeadline { get; }

    public TimeSpan ConnectRetryDelay { get; }

    public HashKeySource HashKey { get; }

    public bool PanicMode { get; }

    public TimeSpan RetryAfter { get; }

    public PassiveHealthOptions Passive { get; }

    /// <summary>Gets the active probe settings, or null when probing is off.</summary>
    public ActiveHealthOptions? Active { get; }

    public BackendTlsConfig? Tls { get; }

    public TimeSpan DrainGracePeriod { get; }

    public TimeSpan ResolverRefreshInterval { get; }

    public int DefaultConnectionLimit { get; }

    /// <summary>Gets the ids of backends flagged <c>Draining</c> in configuration.</summary>
    public IReadOnlySet<string> ConfigDraining => _draining;

    public int ConnectionLimit(Backend backend) => _limits.TryGetValue(backend.Id, out var limit) ? limit : DefaultConnectionLimit;

    /// <summary>Whether the backend is drained by the administrator or by configuration.</summary>
    public bool IsDraining(Backend backend) => backend.IsDraining || (_draining.Count > 0 && _draining.Contains(backend.Id));

    /// <summary>Validates the backend settings of one cluster, naming each bad key.</summary>
    public static void Validate(ClusterConfig config, string key, List<string> errors)
    {
        if (config.ConnectDeadline is { } deadline && deadline < TimeSpan.FromMilliseconds(10))
        {
            errors.Add($"{key}:ConnectDeadline must be at least 10 milliseconds.");
        }

        if (config.ConnectRetryDelay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromMinutes(1)))
        {
            errors.Add($"{key}:ConnectRetryDelay must be between 0 and 1 minute.");
        }

        if (!HashKeySource.TryParse(config.HashKey, out _))
        {
            errors.Add($"{key}:HashKey '{config.HashKey}' must be 'header:NAME', 'query:NAME', 'claim:TYPE', 'route:NAME' or 'ip'.");
        }

        if (config.MaxConnectionsPerBackend is < 1)
        {
            errors.Add($"{key}:MaxConnectionsPerBackend must be at least 1.");
        }

        if (config.DrainGracePeriod is { } grace && grace < TimeSpan.Zero)
        {
            errors.Add($"{key}:DrainGracePeriod must not be negative.");
        }

        if (config.ResolverRefreshInterval is { } refresh && refresh <= TimeSpan.Zero)
        {
            errors.Add($"{key}:ResolverRefreshInterval must be positive.");
        }

        if (config.Backends is not null)
        {
            foreach (var (id, backend) in config.Backends)
            {
                if (backend?.MaxConnections is < 1)
                {
                    errors.Add($"{key}:Backends:{id}:MaxConnections must be at least 1.");
                }
            }
        }

        ValidateHealth(config.HealthCheck, $"{key}:HealthCheck", errors);
        ValidateTls(config.Tls, $"{key}:Tls", errors);
    }

    private static void ValidateHealth(HealthCheckConfig? health, string key, List<string> errors)
    {
        if (health is null)
        {
            return;
        }

        if (health.RetryAfter is { } retryAfter && retryAfter < TimeSpan.Zero)
        {
            errors.Add($"{key}:RetryAfter must not be negative.");
        }

        if (health.Passive is { } passive)
        {
            if (passive.FailureRatio is { } ratio && (ratio <= 0 || ratio > 1))
            {
                errors.Add($"{key}:Passive:FailureRatio must be greater than 0 and at most 1.");
            }

            if (passive.MinimumThroughput is < 2)
            {
                errors.Add($"{key}:Passive:MinimumThroughput must be at least 2.");
            }

            if (passive.SamplingDuration is { } sampling && sampling < TimeSpan.FromMilliseconds(500))
            {
                errors.Add($"{key}:Passive:SamplingDuration must be at least 500 milliseconds.");
            }

            if (passive.BreakDuration is { } breakDuration && breakDuration < TimeSpan.FromMilliseconds(500))
            {
                errors.Add($"{key}:Passive:BreakDuration must be at least 500 milliseconds.");
            }
        }

        if (health.Active is { } active)
        {
            if (active.Interval is { } interval && interval < TimeSpan.FromMilliseconds(50))
            {
                errors.Add($"{key}:Active:Interval must be at least 50 milliseconds.");
            }

            if (active.Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:Active:Timeout must be positive.");
            }

            if (active.HealthyThreshold is < 1)
            {
                errors.Add($"{key}:Active:HealthyThreshold must be at least 1.");
            }

            if (active.UnhealthyThreshold is < 1)
            {
                errors.Add($"{key}:Active:UnhealthyThreshold must be at least 1.");
            }

            if (active.Path is { Length: > 0 } path && !path.StartsWith('/'))
            {
                errors.Add($"{key}:Active:Path '{path}' must start with '/'.");
            }

            if (active.Kind is { } kind && !Enum.IsDefined(kind))
            {
                errors.Add($"{key}:Active:Kind must be Http or WebSocket.");
            }
        }
    }

    private static void ValidateTls(BackendTlsConfig? tls, string key, List<string> errors)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.CaCertificatePath is { } ca && !File.Exists(ca))
        {
            errors.Add($"{key}:CaCertificatePath '{ca}' does not exist.");
        }

        if (tls.ClientCertificatePath is { } cert && !File.Exists(cert))
        {
            errors.Add($"{key}:ClientCertificatePath '{cert}' does not exist.");
        }

        if (tls.ClientCertificateKeyPath is { } certKey && !File.Exists(certKey))
        {
            errors.Add($"{key}:ClientCertificateKeyPath '{certKey}' does not exist.");
        }

        if (tls.Thumbprints is not null)
        {
            for (var i = 0; i < tls.Thumbprints.Count; i++)
            {
                var thumbprint = BackendTls.NormalizeThumbprint(tls.Thumbprints[i]);
                if (thumbprint.Length is not (40 or 64) || !thumbprint.All(Uri.IsHexDigit))
                {
                    errors.Add($"{key}:Thumbprints:{i} must be a SHA-1 (40) or SHA-256 (64) hex thumbprint.");
                }
            }
        }
    }
}

/// <summary>Passive health settings with defaults applied.</summary>
internal sealed record PassiveHealthOptions
{
    public PassiveHealthOptions(PassiveHealthConfig? config)
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

/// <summary>Active health settings with defaults applied.</summary>
internal sealed class ActiveHealthOptions
{
    public ActiveHealthOptions(ActiveHealthConfig config)
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
