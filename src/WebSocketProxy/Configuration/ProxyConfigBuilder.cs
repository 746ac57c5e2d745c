using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Messages;
using WebSocketProxy.Security;

namespace WebSocketProxy.Configuration;

/// <summary>Validates options and turns them into a <see cref="ProxyConfigSnapshot"/>, reporting every error at once.</summary>
internal sealed class ProxyConfigBuilder
{
    public const string SectionName = "WebSocketProxy";

    private static readonly HashSet<string> ForbiddenForwardHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Upgrade", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Proxy-Connection",
        "Proxy-Authenticate", "Proxy-Authorization", "Host", "Content-Length",
        "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "traceparent", "tracestate",
    };

    private readonly IServiceProvider _services;
    private readonly Dictionary<string, IBackendResolver> _resolvers;
    private readonly Dictionary<string, ILoadBalancingPolicy> _policies;

    public ProxyConfigBuilder(IServiceProvider services, IEnumerable<IBackendResolver> resolvers, IEnumerable<ILoadBalancingPolicy> policies)
    {
        _services = services;
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

    /// <summary>Builds a snapshot, reusing the run-time <see cref="Backend"/> objects of <paramref name="previous"/> where a backend is unchanged.</summary>
    public ProxyConfigSnapshot Build(WebSocketProxyOptions options, ProxyConfigSnapshot? previous, List<string> errors)
    {
        if (options.DrainTimeout < TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:DrainTimeout must not be negative.");
        }

        if (options.CloseTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:CloseTimeout must be positive.");
        }

        if (options.ReceiveBufferSize is < 256 or > 4 * 1024 * 1024)
        {
            errors.Add($"{SectionName}:ReceiveBufferSize must be between 256 and 4194304 bytes.");
        }

        var clusters = new Dictionary<string, ProxyCluster>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, config) in options.Clusters)
        {
            var cluster = BuildCluster(id, config, $"{SectionName}:Clusters:{id}", previous?.Clusters.GetValueOrDefault(id), errors);
            if (cluster is not null)
            {
                clusters[id] = cluster;
            }
        }

        var routes = new Dictionary<string, ProxyRoute>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, config) in options.Routes)
        {
            var key = $"{SectionName}:Routes:{id}";
            if (config is null)
            {
                errors.Add($"{key} is empty.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(config.Cluster))
            {
                errors.Add($"{key}:Cluster is required.");
            }
            else if (!options.Clusters.ContainsKey(config.Cluster))
            {
                errors.Add($"{key}:Cluster refers to unknown cluster '{config.Cluster}'.");
            }

            var route = BuildRoute(id, config, key, errors);
            if (route is not null)
            {
                routes[id] = route;
            }
        }

        return new ProxyConfigSnapshot(options, routes, clusters);
    }

    /// <summary>Validates one route (everything but its cluster reference) and applies its defaults.</summary>
    public ProxyRoute? BuildRoute(string id, RouteConfig config, string key, List<string> errors)
    {
        var start = errors.Count;
        RoutePattern? pattern = null;
        if (string.IsNullOrWhiteSpace(config.Path))
        {
            errors.Add($"{key}:Path is required.");
        }
        else
        {
            try
            {
                pattern = RoutePatternFactory.Parse(config.Path);
            }
            catch (RoutePatternException ex)
            {
                errors.Add($"{key}:Path '{config.Path}' is not a valid route pattern: {ex.Message}");
            }
        }

        if (config.MaxMessageBytes is <= 0)
        {
            errors.Add($"{key}:MaxMessageBytes must be positive.");
        }

        CheckTimeSpan(config.IdleTimeout, $"{key}:IdleTimeout", errors);
        CheckTimeSpan(config.KeepAliveInterval, $"{key}:KeepAliveInterval", errors);
        CheckTimeSpan(config.KeepAliveTimeout, $"{key}:KeepAliveTimeout", errors);

        if (config.ForwardHeaders is not null)
        {
            for (var i = 0; i < config.ForwardHeaders.Count; i++)
            {
                var header = config.ForwardHeaders[i];
                if (string.IsNullOrWhiteSpace(header))
                {
                    errors.Add($"{key}:ForwardHeaders:{i} is empty.");
                }
                else if (ForbiddenForwardHeaders.Contains(header) || header.StartsWith("Sec-WebSocket-", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{key}:ForwardHeaders:{i} '{header}' is a hop-by-hop, handshake or proxy-managed header and is never copied.");
                }
            }
        }

        var transformers = new List<IMessageTransformer>();
        if (config.Transformers is not null)
        {
            for (var i = 0; i < config.Transformers.Count; i++)
            {
                var name = config.Transformers[i];
                var transformer = string.IsNullOrEmpty(name) ? null : _services.GetKeyedService<IMessageTransformer>(name);
                if (transformer is null)
                {
                    errors.Add($"{key}:Transformers:{i} refers to unknown transformer '{name}'. Register it with AddMessageTransformer.");
                }
                else
                {
                    transformers.Add(transformer);
                }
            }
        }

        RouteSecurityPolicy.Validate(config, key, errors);
        if (MessageValidationTransformer.Create(config.MessageValidation, $"{key}:MessageValidation", errors) is { } validator)
        {
            transformers.Insert(0, validator);
        }

        return errors.Count == start && pattern is not null ? new ProxyRoute(id, config, pattern, transformers) : null;
    }

    /// <summary>Validates one cluster and applies its defaults.</summary>
    public ProxyCluster? BuildCluster(string id, ClusterConfig config, string key, ProxyCluster? previous, List<string> errors)
    {
        var start = errors.Count;
        if (config is null)
        {
            errors.Add($"{key} is empty.");
            return null;
        }

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

        if (config.ConnectAttempts is < 1)
        {
            errors.Add($"{key}:ConnectAttempts must be at least 1.");
        }

        ClusterBackendOptions.Validate(config, key, errors);

        var backends = new List<Backend>();
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
                var backendKey = $"{key}:Backends:{backendId}:Address";
                if (!TryParseAddress(backend?.Address, out var address, out var problem))
                {
                    errors.Add($"{backendKey} {problem}");
                    continue;
                }

                Backend? existing = null;
                if (previous is not null)
                {
                    foreach (var old in previous.Backends)
                    {
                        if (string.Equals(old.Id, backendId, StringComparison.OrdinalIgnoreCase) && old.Address == address)
                        {
                            existing = old;
                            break;
                        }
                    }
                }

                backends.Add(existing ?? new Backend(backendId, address));
            }
        }

        return errors.Count == start ? new ProxyCluster(id, config, backends, resolver!, policy!) : null;
    }

    /// <summary>Parses a backend address, accepting <c>http(s)</c> as <c>ws(s)</c>.</summary>
    public static bool TryParseAddress(string? value, out Uri address, out string problem)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "is required.";
            return false;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            problem = $"'{value}' is not an absolute URI.";
            return false;
        }

        var scheme = uri.Scheme.ToLowerInvariant() switch
        {
            "ws" or "http" => "ws",
            "wss" or "https" => "wss",
            _ => null,
        };
        if (scheme is null)
        {
            problem = $"'{value}' must use ws, wss, http or https.";
            return false;
        }

        address = scheme == uri.Scheme ? uri : new UriBuilder(uri) { Scheme = scheme, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
        problem = string.Empty;
        return true;
    }

    private static void CheckTimeSpan(TimeSpan? value, string key, List<string> errors)
    {
        if (value is { } span && span < TimeSpan.Zero && span != Timeout.InfiniteTimeSpan)
        {
            errors.Add($"{key} must not be negative.");
        }
    }
}
