namespace WebSocketProxy.Configuration;

/// <summary>A proxy route: which requests it matches and how their sessions behave.</summary>
public sealed record RouteConfig
{
    /// <summary>Gets the route pattern (ASP.NET Core route template), e.g. <c>/ws/chat/{**rest}</c>.</summary>
    /// <value>Required. The value of a catch-all parameter is appended to the backend address.</value>
    public string? Path { get; init; }

    /// <summary>Gets the id of the cluster that serves this route.</summary>
    /// <value>Required.</value>
    public string? Cluster { get; init; }

    /// <summary>Gets the name of an ASP.NET Core authorization policy the handshake must satisfy.</summary>
    /// <value>None by default; <c>default</c> names the default policy, <c>anonymous</c> allows anonymous access.</value>
    public string? AuthorizationPolicy { get; init; }

    /// <summary>Gets the name of an ASP.NET Core rate limiter policy applied to the handshake.</summary>
    /// <value>None by default.</value>
    public string? RateLimiterPolicy { get; init; }

    /// <summary>Gets the name of an ASP.NET Core CORS policy applied to the handshake.</summary>
    /// <value>None by default.</value>
    public string? CorsPolicy { get; init; }

    /// <summary>Gets the endpoint order, used when several routes match one path.</summary>
    /// <value>Defaults to 0.</value>
    public int Order { get; init; }

    /// <summary>Gets the maximum size of one message, in bytes, in either direction (after decompression).</summary>
    /// <value>Defaults to 1 MiB. A larger message closes the sender with 1009 and the other side with 1001.</value>
    public long? MaxMessageBytes { get; init; }

    /// <summary>Gets how long a session may carry no message in either direction before both legs are closed with 1001.</summary>
    /// <value>Defaults to 5 minutes. <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> disables it.</value>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Gets the interval at which the proxy sends pings on both legs.</summary>
    /// <value>Defaults to 30 seconds. <see cref="TimeSpan.Zero"/> disables pings.</value>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>Gets how long the proxy waits for a pong before it considers a leg dead.</summary>
    /// <value>Defaults to 0 (unsolicited pongs only, no timeout). When set, a leg that misses it is aborted and the other leg closed.</value>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>Gets whether permessage-deflate may be negotiated with the client (client leg only).</summary>
    /// <value>Defaults to <see langword="false"/>. Each leg negotiates on its own, so messages stay inspectable.</value>
    public bool? AllowCompression { get; init; }

    /// <summary>Gets the request headers copied to the backend handshake, in addition to the ones the proxy always sets.</summary>
    /// <value>Empty by default. <c>Cookie</c> and <c>Authorization</c> are forwarded only when listed here. Hop-by-hop and <c>Sec-WebSocket-*</c> headers are never copied.</value>
    public IReadOnlyList<string>? ForwardHeaders { get; init; }

    /// <summary>Gets how <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> are produced.</summary>
    /// <value>Defaults to <see cref="ForwardedHeadersMode.Append"/>.</value>
    public ForwardedHeadersMode? XForwarded { get; init; }

    /// <summary>Gets the names of the message transformers that every message on this route passes through, in order.</summary>
    /// <value>Empty by default: messages are streamed frame by frame without being assembled.</value>
    public IReadOnlyList<string>? Transformers { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
