using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Validates a cluster's backend keys (resolver, load balancing, connect, health, limits, TLS, addresses) and builds
/// its <see cref="ClusterBackendSettings"/> and backend states; a backend whose id and address are unchanged keeps
/// its state (live counts, health) across reloads.
/// </summary>
internal sealed class BackendsClusterValidator : IClusterConfigValidator
{
    private readonly Dictionary<string, IBackendResolver> _resolvers;
    private readonly Dictionary<string, ILoadBalancingPolicy> _policies;

    public BackendsClusterValidator(IEnumerable<IBackendResolver> resolvers, IEnumerable<ILoadBalancingPolicy> policies)
    {
        _resolvers = new Dictionary<string, IBackendResolver>(StringComparer.OrdinalIgnoreCase);
        foreach (var resolver in resolvers)
        {
            _resolvers[resolver.Name] = resolver;
        }

        _policies = new Dictionary<string, ILoadBalancingPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var policy in policies)
        {
            _policies[policy.Name] = policy;
        }
    }

    public void Validate(ClusterValidationContext context)
    {
        var config = context.Config;
        var key = context.Key;
        var errors = context.Errors;
        var start = errors.Count;
        var resolverName = string.IsNullOrEmpty(config.Resolver) ? BackendResolvers.Config : config.Resolver;
        if (!_resolvers.TryGetValue(resolverName, out var resolver))
        {
            errors.Add($"{key}:Resolver refers to unknown backend resolver '{resolverName}'. Register it with AddBackendResolver.");
        }

        var policyName = string.IsNullOrEmpty(config.LoadBalancing) ? LoadBalancingPolicies.PowerOfTwoChoices : config.LoadBalancing;
        if (!_policies.TryGetValue(policyName, out var policy))
        {
            errors.Add($"{key}:LoadBalancing refers to unknown policy '{policyName}'. Built in: {string.Join(", ", _policies.Keys)}.");
        }

        if (config.ConnectTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"{key}:ConnectTimeout must be positive.");
        }

        if (config.HttpVersion is { } version && version is not ("1.1" or "2.0"))
        {
            errors.Add($"{key}:HttpVersion '{version}' must be 1.1 or 2.0.");
        }

        if (config.ConnectAttempts is < 1)
        {
            errors.Add($"{key}:ConnectAttempts must be at least 1.");
        }

        ValidateSettings(config, key, errors);
        if (config.Backends is null || config.Backends.Count == 0)
        {
            if (string.Equals(resolverName, BackendResolvers.Config, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:Backends must list at least one backend.");
            }
        }
        else
        {
            foreach (var (backendId, backend) in config.Backends)
            {
                if (!BackendAddress.TryParse(backend?.Address, out var address, out var problem))
                {
                    errors.Add($"{key}:Backends:{backendId}:Address {problem}");
                    continue;
                }

                context.Backends.Add(Reuse(context.Previous, backendId, address) ?? new BackendState(new BackendDescription(backendId, address), new BackendHealth()));
            }
        }

        if (errors.Count == start)
        {
            context.Features.Add(new ClusterBackendSettings(config, resolver!, policy!)); // both found when no error was added
        }
    }

    private static BackendState? Reuse(ClusterModel? previous, string id, Uri address)
    {
        if (previous is not null)
        {
            foreach (var old in previous.Backends)
            {
                if (string.Equals(old.Id, id, StringComparison.OrdinalIgnoreCase) && old.Address == address)
                {
                    return old;
                }
            }
        }

        return null;
    }

    /// <summary>Validates the backend settings of one cluster, naming each bad key.</summary>
    private static void ValidateSettings(ClusterConfig config, string key, List<string> errors)
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

        if (tls.CaCertificatePath is { } ca)
        {
            if (!File.Exists(ca))
            {
                errors.Add($"{key}:CaCertificatePath '{ca}' does not exist.");
            }
            else
            {
                try
                {
                    BackendTls.LoadAuthorities(ca);
                }
                catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException)
                {
                    errors.Add($"{key}:CaCertificatePath '{ca}' holds no PEM or DER certificate: {ex.Message}");
                }
            }
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
