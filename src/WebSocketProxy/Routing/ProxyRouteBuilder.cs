using WebSocketProxy.Configuration;

namespace WebSocketProxy.Routing;

/// <summary>Configures one route mapped in code with <c>MapWebSocketProxy(pattern, route => …)</c>.</summary>
/// <remarks>Every method returns the same builder; the last call for a setting wins.</remarks>
public sealed partial class ProxyRouteBuilder
{
    internal ProxyRouteBuilder(string pattern)
    {
        Route = new RouteConfig { Path = pattern };
    }

    internal RouteConfig Route { get; private set; }

    internal ClusterConfig? InlineCluster { get; private set; }

    /// <summary>Sends the route's connections to a configured cluster.</summary>
    /// <param name="clusterId">The id of a cluster under <c>WebSocketProxy:Clusters</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder ToCluster(string clusterId)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        Route = Route with { Cluster = clusterId };
        InlineCluster = null;
        return this;
    }

    /// <summary>Sends the route's connections to the given backend addresses, as a cluster of the route's own.</summary>
    /// <param name="addresses">BackendState addresses (<c>ws://</c>, <c>wss://</c>, <c>http(s)://</c>).</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder ToBackends(params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Length == 0)
        {
            throw new ArgumentException("At least one backend address is required.", nameof(addresses));
        }

        var backends = new Dictionary<string, BackendConfig>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < addresses.Length; i++)
        {
            backends[$"backend-{i}"] = new BackendConfig { Address = addresses[i] };
        }

        InlineCluster = (InlineCluster ?? new ClusterConfig()) with { Backends = backends };
        Route = Route with { Cluster = null };
        return this;
    }

    /// <summary>Changes the settings of the route's own cluster (after <see cref="ToBackends"/>): load balancing, timeouts, compression.</summary>
    /// <param name="configure">Returns the changed cluster, e.g. <c>c => c with { ConnectTimeout = TimeSpan.FromSeconds(2) }</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder ConfigureCluster(Func<ClusterConfig, ClusterConfig> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        InlineCluster = configure(InlineCluster ?? new ClusterConfig());
        return this;
    }

    /// <summary>Changes any route setting, e.g. <c>r => r with { IdleTimeout = TimeSpan.FromMinutes(1) }</c>.</summary>
    /// <param name="configure">Returns the changed route; its <see cref="RouteConfig.Path"/> is kept.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder Configure(Func<RouteConfig, RouteConfig> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var path = Route.Path;
        Route = configure(Route) with { Path = path };
        return this;
    }

    /// <summary>Sets the maximum message size in bytes (see <see cref="RouteConfig.MaxMessageBytes"/>).</summary>
    /// <param name="maxMessageBytes">The limit, in bytes.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithMaxMessageBytes(long maxMessageBytes)
    {
        Route = Route with { MaxMessageBytes = maxMessageBytes };
        return this;
    }

    /// <summary>Sets the idle timeout (see <see cref="RouteConfig.IdleTimeout"/>).</summary>
    /// <param name="idleTimeout">The timeout; <see cref="Timeout.InfiniteTimeSpan"/> disables it.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithIdleTimeout(TimeSpan idleTimeout)
    {
        Route = Route with { IdleTimeout = idleTimeout };
        return this;
    }

    /// <summary>Sets the keep-alive ping interval and pong timeout of both legs.</summary>
    /// <param name="interval">The ping interval; <see cref="TimeSpan.Zero"/> disables pings.</param>
    /// <param name="timeout">How long to wait for a pong; <see langword="null"/> keeps the default (no timeout).</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithKeepAlive(TimeSpan interval, TimeSpan? timeout = null)
    {
        Route = Route with { KeepAliveInterval = interval, KeepAliveTimeout = timeout ?? Route.KeepAliveTimeout };
        return this;
    }

    /// <summary>Adds a message transformer, by its registered name, after the ones already listed.</summary>
    /// <param name="name">The name given to <c>AddMessageTransformer</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithTransformer(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Route = Route with { Transformers = [.. Route.Transformers ?? [], name] };
        return this;
    }

    /// <summary>Adds request headers to copy to the backend handshake (see <see cref="RouteConfig.ForwardHeaders"/>).</summary>
    /// <param name="headers">Header names, e.g. <c>Cookie</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithForwardedHeaders(params string[] headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Route = Route with { ForwardHeaders = [.. Route.ForwardHeaders ?? [], .. headers] };
        return this;
    }

    /// <summary>Limits the messages each connection sends to the backend (see <see cref="RouteConfig.MessageRateLimit"/>).</summary>
    /// <param name="permitsPerSecond">The sustained number of messages per second.</param>
    /// <param name="burst">The bucket's capacity; <see langword="null"/> is one second's worth.</param>
    /// <param name="onExceeded">What happens to a message over the limit.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithMessageRateLimit(double permitsPerSecond, int? burst = null, ViolationAction onExceeded = ViolationAction.Delay)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(permitsPerSecond);
        Route = Route with { MessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = permitsPerSecond, Burst = burst, OnExceeded = onExceeded } };
        return this;
    }

    /// <summary>Sets the origins whose browser pages may open the route (see <see cref="RouteConfig.AllowedOrigins"/>).</summary>
    /// <param name="origins">Origins such as <c>https://app.example.com</c>, or <c>*</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithAllowedOrigins(params string[] origins)
    {
        ArgumentNullException.ThrowIfNull(origins);
        Route = Route with { AllowedOrigins = [.. origins] };
        return this;
    }

    /// <summary>Adds an identity header to the backend handshake carrying a claim of the authenticated client (see <see cref="RouteConfig.IdentityHeaders"/>).</summary>
    /// <param name="header">The header name, e.g. <c>X-User-Id</c>.</param>
    /// <param name="claimType">The claim type, e.g. <c>sub</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithIdentityHeader(string header, string claimType)
    {
        ArgumentException.ThrowIfNullOrEmpty(header);
        ArgumentException.ThrowIfNullOrEmpty(claimType);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (Route.IdentityHeaders is not null)
        {
            foreach (var (name, claim) in Route.IdentityHeaders)
            {
                headers[name] = claim;
            }
        }

        headers[header] = claimType;
        Route = Route with { IdentityHeaders = headers };
        return this;
    }
}
