using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Management;

/// <summary>
/// The configuration pipeline: bound records → every capability's validator (each names the keys it owns and attaches
/// what it compiled) → a <see cref="ProxyConfigSnapshot"/> of routes and clusters. Every error is reported at once.
/// </summary>
internal sealed class ProxyConfigBuilder
{
    public const string SectionName = "WebSocketProxy";

    private readonly IRouteConfigValidator[] _routeValidators;
    private readonly IClusterConfigValidator[] _clusterValidators;

    public ProxyConfigBuilder(IEnumerable<IRouteConfigValidator> routeValidators, IEnumerable<IClusterConfigValidator> clusterValidators)
    {
        _routeValidators = [.. routeValidators];
        _clusterValidators = [.. clusterValidators];
    }

    /// <summary>Builds a snapshot, carrying over the run-time backend state of <paramref name="previous"/> where a backend is unchanged.</summary>
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

        var clusters = new Dictionary<string, ClusterModel>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, config) in options.Clusters)
        {
            var cluster = BuildCluster(id, config, $"{SectionName}:Clusters:{id}", previous?.Clusters.GetValueOrDefault(id), errors);
            if (cluster is not null)
            {
                clusters[id] = cluster;
            }
        }

        var routes = new Dictionary<string, RouteModel>(StringComparer.OrdinalIgnoreCase);
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

    /// <summary>Validates one route (everything but its cluster reference) and compiles its features.</summary>
    public RouteModel? BuildRoute(string id, RouteConfig config, string key, List<string> errors)
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

        var context = new RouteValidationContext(id, config, key, errors);
        foreach (var validator in _routeValidators)
        {
            validator.Validate(context);
        }

        return errors.Count == start && pattern is not null ? new RouteModel(id, config, pattern, new FeatureSet(context.Features)) : null;
    }

    /// <summary>Validates one cluster and compiles its features and backend states.</summary>
    public ClusterModel? BuildCluster(string id, ClusterConfig config, string key, ClusterModel? previous, List<string> errors)
    {
        if (config is null)
        {
            errors.Add($"{key} is empty.");
            return null;
        }

        var start = errors.Count;
        var context = new ClusterValidationContext(id, config, key, previous, errors);
        foreach (var validator in _clusterValidators)
        {
            validator.Validate(context);
        }

        return errors.Count == start ? new ClusterModel(id, config, [.. context.Backends], new FeatureSet(context.Features)) : null;
    }
}
