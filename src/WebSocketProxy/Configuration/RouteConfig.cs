namespace WebSocketProxy.Configuration;

/// <summary>A proxy route: which requests it matches and how their sessions behave.</summary>
public sealed record RouteConfig
{
    /// <summary>Gets the route pattern (ASP.NET Core route template), e.g. <c>/ws/chat/{**rest}</c>.</summary>
    /// <value>Required. The value of a catch-all parameter is appended to the backend address.</value>
    public string? Path { get; init; }

    /// <summary>Gets what a request must match besides <see cref="Path"/>: host names, headers and query parameters.</summary>
    /// <value>None by default: the path alone selects the route.</value>
    public RouteMatchConfig? Match { get; init; }

    /// <summary>Gets whether requests on this route that are not WebSocket upgrades (SignalR negotiate, long polling, Socket.IO polling, server-sent events) are forwarded to the cluster over HTTP.</summary>
    /// <value>Defaults to <see langword="false"/>: anything but an upgrade is answered 400.</value>
    public bool? ForwardHttp { get; init; }

    /// <summary>Gets how a client's HTTP requests and its WebSocket upgrade stay on one backend (see <see cref="SessionAffinityConfig"/>).</summary>
    /// <value>On by default when <see cref="ForwardHttp"/> is on.</value>
    public SessionAffinityConfig? Affinity { get; init; }

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

    /// <summary>Gets how long the proxy waits for the pong to its ping before it considers a leg dead.</summary>
    /// <value>
    /// Defaults to 20 seconds: the proxy sends real pings on both legs every <see cref="KeepAliveInterval"/>, and a leg whose
    /// peer does not answer in time (a half-open connection, a vanished client) is aborted and the other leg closed
    /// (1001 to the backend, 1014 to the client). <see cref="TimeSpan.Zero"/> sends unsolicited pongs only, which detect nothing.
    /// </value>
    public TimeSpan? KeepAliveTimeout { get; init; }

    /// <summary>Gets how long one write to a leg may stay pending (its peer stopped reading and the TCP window is full) before the session ends.</summary>
    /// <value>Defaults to 30 seconds; <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> disables it. The stalled leg is aborted and the other leg closed (1001 or 1014).</value>
    public TimeSpan? SendTimeout { get; init; }

    /// <summary>Gets how many frames one message from the client may be split into.</summary>
    /// <value>Defaults to 1024. A message with more frames (a fragment flood of tiny or empty frames) closes the client with 1008 and the backend with 1001.</value>
    public int? MaxFramesPerMessage { get; init; }

    /// <summary>Gets how many control frames (pings, pongs) per second a client may send, averaged over a burst of the same size.</summary>
    /// <value>Defaults to 50. A client over the budget (a ping flood the proxy would answer without limit) is closed with 1008.</value>
    public int? MaxControlFramesPerSecond { get; init; }

    /// <summary>Gets whether permessage-deflate may be negotiated with the client (client leg only).</summary>
    /// <value>Defaults to <see langword="false"/>. Each leg negotiates on its own, so messages stay inspectable.</value>
    public bool? AllowCompression { get; init; }

    /// <summary>Gets an allow-list of request headers copied to the backend handshake; when set, no other client header is copied.</summary>
    /// <value>
    /// Empty by default: every end-to-end request header is copied (as YARP and nginx do), including <c>Origin</c>,
    /// <c>Cookie</c> and <c>Authorization</c>, except hop-by-hop headers, <c>Host</c> (taken from the backend address),
    /// the <c>Sec-WebSocket-*</c> handshake headers (the backend leg negotiates its own), <c>X-Forwarded-*</c> (see
    /// <see cref="XForwarded"/>), trace context (the proxy's own), the route's identity headers and <see cref="RemoveHeaders"/>.
    /// </value>
    public IReadOnlyList<string>? ForwardHeaders { get; init; }

    /// <summary>Gets request headers never copied to the backend handshake, in either mode.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<string>? RemoveHeaders { get; init; }

    /// <summary>Gets how <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>X-Forwarded-Host</c> are produced.</summary>
    /// <value>
    /// Defaults to <see cref="ForwardedHeadersMode.Set"/>: values a client sent are replaced, so a client cannot claim another
    /// address or host. Use <see cref="ForwardedHeadersMode.Append"/> behind a trusted proxy that sets them.
    /// </value>
    public ForwardedHeadersMode? XForwarded { get; init; }

    /// <summary>Gets extra response headers passed to the client when a backend refuses the upgrade with a status of its own.</summary>
    /// <value>Empty by default: only <c>WWW-Authenticate</c>, <c>Retry-After</c> and <c>Content-Type</c> are passed (never <c>Set-Cookie</c> or internal headers unless listed here).</value>
    public IReadOnlyList<string>? PassThroughResponseHeaders { get; init; }

    /// <summary>Gets the names of the message transformers that every message on this route passes through, in order.</summary>
    /// <value>Empty by default: messages are streamed frame by frame without being assembled.</value>
    public IReadOnlyList<string>? Transformers { get; init; }

    /// <summary>Gets the origins (<c>scheme://host[:port]</c>) whose browser pages may open this route; <c>*</c> allows any.</summary>
    /// <value>
    /// Empty by default, which allows any origin, as ASP.NET Core's <c>WebSocketOptions.AllowedOrigins</c> does, so split
    /// deployments (app.example.com → ws.example.com) work. List origins on routes that authenticate with cookies: a
    /// cross-site page could otherwise open the route with the user's cookies (cross-site WebSocket hijacking); the proxy
    /// logs a warning at startup for each route that requires authorization and has no list. An <c>Origin</c> not listed is answered 403.
    /// </value>
    public IReadOnlyList<string>? AllowedOrigins { get; init; }

    /// <summary>Gets whether a handshake without an <c>Origin</c> header (a non-browser client) is accepted.</summary>
    /// <value>Defaults to <see langword="true"/> while <see cref="AllowedOrigins"/> is empty and to <see langword="false"/> once it lists origins; a refused request gets 403.</value>
    public bool? AllowMissingOrigin { get; init; }

    /// <summary>Gets where a browser may put its access token (query parameter or subprotocol entry); the token is removed before the backend handshake.</summary>
    /// <value>None by default: tokens come from the <c>Authorization</c> header only.</value>
    public AccessTokenConfig? AccessToken { get; init; }

    /// <summary>Gets the identity headers added to the backend handshake, keyed by header name, each with the claim type it carries (e.g. <c>X-User-Id</c> → <c>sub</c>).</summary>
    /// <value>Empty by default. A client's own copy of a listed header is always removed, even when <see cref="ForwardHeaders"/> lists it; several claims of one type are joined with commas.</value>
    public IReadOnlyDictionary<string, string>? IdentityHeaders { get; init; }

    /// <summary>Gets whether a session is closed when the client's token expires (1008 "authentication expired" to the client, 1001 to the backend).</summary>
    /// <value>Defaults to <see langword="false"/>. The expiry is the authentication ticket's <c>ExpiresUtc</c>, else the principal's <c>exp</c> claim.</value>
    public bool? CloseOnTokenExpiry { get; init; }

    /// <summary>Gets how many sessions may be open at once per client IP address and per user.</summary>
    /// <value>100 sessions per IP address and no per-user limit by default (see <see cref="ConcurrentConnectionLimitConfig.PerIp"/>).</value>
    public ConcurrentConnectionLimitConfig? ConcurrentConnections { get; init; }

    /// <summary>Gets the per-connection message rate limit.</summary>
    /// <value>None by default.</value>
    public MessageRateLimitConfig? MessageRateLimit { get; init; }

    /// <summary>Gets the per-user message rate limit, shared by all of a user's sessions on this route (anonymous clients count per IP address).</summary>
    /// <value>None by default.</value>
    public MessageRateLimitConfig? UserMessageRateLimit { get; init; }

    /// <summary>Gets the maximum size of a message from the client, overriding <see cref="MaxMessageBytes"/> for that direction.</summary>
    /// <value>Defaults to <see cref="MaxMessageBytes"/>.</value>
    public long? MaxClientMessageBytes { get; init; }

    /// <summary>Gets the maximum size of a message from the backend, overriding <see cref="MaxMessageBytes"/> for that direction.</summary>
    /// <value>Defaults to <see cref="MaxMessageBytes"/>.</value>
    public long? MaxBackendMessageBytes { get; init; }

    /// <summary>Gets the built-in validation of client messages (valid JSON, JSON Schema, deny-list).</summary>
    /// <value>None by default.</value>
    public MessageValidationConfig? MessageValidation { get; init; }

    /// <summary>Gets free-form metadata for extensions.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
