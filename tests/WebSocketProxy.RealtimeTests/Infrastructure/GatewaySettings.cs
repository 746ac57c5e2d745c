namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>
/// The gateway's configuration as the flat keys an <c>appsettings.json</c> would produce under <c>WebSocketProxy</c>.
/// Only configuration keys are used, so the tests do not depend on the library's type names.
/// </summary>
internal sealed class GatewaySettings
{
    public const string Section = "WebSocketProxy";

    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string?> Values => _values;

    /// <summary>Sets <c>WebSocketProxy:{key}</c>.</summary>
    public GatewaySettings Set(string key, string? value)
    {
        _values[$"{Section}:{key}"] = value;
        return this;
    }

    /// <summary>A cluster whose backends are keyed by name; round robin so consecutive clients alternate between backends.</summary>
    public GatewaySettings Cluster(string id, IEnumerable<(string Name, Uri Address)> backends, string loadBalancing = "RoundRobin")
    {
        Set($"Clusters:{id}:LoadBalancing", loadBalancing);
        foreach (var (name, address) in backends)
        {
            Set($"Clusters:{id}:Backends:{name}:Address", address.ToString());
        }

        return this;
    }

    /// <summary>A route; <paramref name="forwardHttp"/> null leaves <c>ForwardHttp</c> unset (its default, off).</summary>
    public GatewaySettings Route(string id, string path, string cluster, bool? forwardHttp = null)
    {
        Set($"Routes:{id}:Path", path);
        Set($"Routes:{id}:Cluster", cluster);
        if (forwardHttp is { } value)
        {
            Set($"Routes:{id}:ForwardHttp", value ? "true" : "false");
        }

        return this;
    }

    /// <summary><c>Routes:{id}:Match:Hosts</c> (YARP's <c>RouteMatch.Hosts</c>).</summary>
    public GatewaySettings MatchHosts(string routeId, params string[] hosts)
    {
        for (var i = 0; i < hosts.Length; i++)
        {
            Set($"Routes:{routeId}:Match:Hosts:{i}", hosts[i]);
        }

        return this;
    }

    /// <summary>One entry of <c>Routes:{id}:Match:Headers</c> (YARP's <c>RouteHeader</c>: Name, Values, Mode).</summary>
    public GatewaySettings MatchHeader(string routeId, string name, string[] values, string mode = "ExactHeader")
    {
        var index = CountEntries($"Routes:{routeId}:Match:Headers:");
        var prefix = $"Routes:{routeId}:Match:Headers:{index}";
        Set($"{prefix}:Name", name);
        Set($"{prefix}:Mode", mode);
        for (var i = 0; i < values.Length; i++)
        {
            Set($"{prefix}:Values:{i}", values[i]);
        }

        return this;
    }

    /// <summary>One entry of <c>Routes:{id}:Match:QueryParameters</c> (YARP's <c>RouteQueryParameter</c>: Name, Values, Mode).</summary>
    public GatewaySettings MatchQueryParameter(string routeId, string name, string[] values, string mode = "Exact")
    {
        var index = CountEntries($"Routes:{routeId}:Match:QueryParameters:");
        var prefix = $"Routes:{routeId}:Match:QueryParameters:{index}";
        Set($"{prefix}:Name", name);
        Set($"{prefix}:Mode", mode);
        for (var i = 0; i < values.Length; i++)
        {
            Set($"{prefix}:Values:{i}", values[i]);
        }

        return this;
    }

    private int CountEntries(string keyPrefix)
    {
        var full = $"{Section}:{keyPrefix}";
        var indexes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in _values.Keys)
        {
            if (key.StartsWith(full, StringComparison.OrdinalIgnoreCase))
            {
                indexes.Add(key[full.Length..].Split(':')[0]);
            }
        }

        return indexes.Count;
    }
}
