namespace WebSocketProxy.Backends;

/// <summary>Names of the built-in backend resolvers.</summary>
public static class BackendResolvers
{
    /// <summary>The static list of backends in the cluster's configuration. The default.</summary>
    public const string Config = nameof(Config);

    /// <summary>Each configured backend's host name expanded to all its A/AAAA addresses, refreshed every <c>ResolverRefreshInterval</c>.</summary>
    public const string Dns = nameof(Dns);

    /// <summary>Each configured backend's host taken as a service name (<c>ws://chat</c>) and resolved with Microsoft.Extensions.ServiceDiscovery. Registered by <c>AddServiceDiscoveryBackendResolver()</c>.</summary>
    public const string ServiceDiscovery = nameof(ServiceDiscovery);
}
