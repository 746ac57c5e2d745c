namespace WebSocketProxy.Configuration;

/// <summary>A group of interchangeable backends and how to connect to them.</summary>
public sealed record ClusterConfig
{
    /// <summary>Gets the backends of the cluster, keyed by backend id.</summary>
    /// <value>Required unless a custom <see cref="Resolver"/> supplies them.</value>
    public IReadOnlyDictionary<string, BackendConfig>? Backends { get; init; }

    /// <summary>Gets the name of the load-balancing policy.</summary>
    /// <value>Defaults to <see cref="Backends.LoadBalancingPolicies.PowerOfTwoChoices"/>.</value>
    public string? LoadBalancing { get; init; }

    /// <summary>Gets the name of the backend resolver.</summary>
    /// <value>Defaults to <c>Config</c>: the static <see cref="Backends"/> list.</value>
    public string? Resolver { get; init; }

    /// <summary>Gets how long one backend connect (TCP, TLS and upgrade) may take.</summary>
    /// <value>Defaults to 5 seconds. A timeout answers the client 504.</value>
    public TimeSpan? ConnectTimeout { get; init; }

    /// <summary>Gets how many backends are tried before the handshake fails.</summary>
    /// <value>Defaults to 1.</value>
    public int? ConnectAttempts { get; init; }

    /// <summary>Gets whether permessage-deflate is offered to the backends (backend leg only).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? Compression { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
