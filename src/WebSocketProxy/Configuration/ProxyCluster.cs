using WebSocketProxy.Backends;

namespace WebSocketProxy.Configuration;

/// <summary>A validated cluster with every default applied and its run-time backends.</summary>
internal sealed class ProxyCluster
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);

    public ProxyCluster(string id, ClusterConfig config, IReadOnlyList<Backend> backends, IBackendResolver resolver, ILoadBalancingPolicy loadBalancing)
    {
        Id = id;
        Config = config;
        Backends = backends;
        Resolver = resolver;
        LoadBalancing = loadBalancing;
        ConnectTimeout = config.ConnectTimeout ?? DefaultConnectTimeout;
        BackendOptions = new ClusterBackendOptions(config);
        ConnectAttempts = BackendOptions.ConnectAttempts;
        Compression = config.Compression ?? false;
    }

    public string Id { get; }

    public ClusterConfig Config { get; }

    public IReadOnlyList<Backend> Backends { get; }

    public IBackendResolver Resolver { get; }

    public ILoadBalancingPolicy LoadBalancing { get; }

    public TimeSpan ConnectTimeout { get; }

    public int ConnectAttempts { get; }

    public bool Compression { get; }

    /// <summary>Gets the backend settings: selection, health, failover, limits, TLS.</summary>
    public ClusterBackendOptions BackendOptions { get; }
}
