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

    /// <summary>Gets how many distinct backends are tried before the handshake fails (failover on unreachable or timed-out backends).</summary>
    /// <value>Defaults to 3.</value>
    public int? ConnectAttempts { get; init; }

    /// <summary>Gets the overall time budget of all connect attempts together; when it runs out the client gets 504.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan? ConnectDeadline { get; init; }

    /// <summary>Gets the pause before trying the next backend after a failed attempt; jitter is added.</summary>
    /// <value>Defaults to zero: the next backend is tried at once.</value>
    public TimeSpan? ConnectRetryDelay { get; init; }

    /// <summary>Gets where the <c>ConsistentHash</c> policy takes its key from: <c>header:NAME</c>, <c>query:NAME</c>, <c>claim:TYPE</c>, <c>route:NAME</c> or <c>ip</c>.</summary>
    /// <value>Defaults to <c>ip</c>. A connection without the key is placed at random.</value>
    public string? HashKey { get; init; }

    /// <summary>Gets the health settings: passive circuit breakers, active probes, panic mode.</summary>
    /// <value>Passive health on, active probing off by default.</value>
    public HealthCheckConfig? HealthCheck { get; init; }

    /// <summary>Gets the TLS settings for <c>wss://</c> backends.</summary>
    /// <value>Not set by default: the system trust store validates backend certificates.</value>
    public BackendTlsConfig? Tls { get; init; }

    /// <summary>Gets the most live sessions one backend may hold (a bulkhead); a full backend is skipped, all full answers 503.</summary>
    /// <value>Not set by default: no limit. <see cref="BackendConfig.MaxConnections"/> overrides it per backend.</value>
    public int? MaxConnectionsPerBackend { get; init; }

    /// <summary>Gets how long live sessions of a draining backend keep running before they are closed with 1012 (service restart).</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan? DrainGracePeriod { get; init; }

    /// <summary>Gets how long the <c>Dns</c> resolver keeps the addresses of a host name before it resolves it again.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan? ResolverRefreshInterval { get; init; }

    /// <summary>Gets whether permessage-deflate is offered to the backends (backend leg only).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? Compression { get; init; }

    /// <summary>Gets the HTTP version of the backend handshakes: <c>1.1</c> (an HTTP/1.1 upgrade) or <c>2.0</c> (an RFC 8441 extended CONNECT, for HTTP/2-only backends).</summary>
    /// <value>Defaults to <c>1.1</c>. With <c>2.0</c> over <c>ws://</c> the backend must accept HTTP/2 with prior knowledge (h2c).</value>
    public string? HttpVersion { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
