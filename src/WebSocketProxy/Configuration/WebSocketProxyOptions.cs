namespace WebSocketProxy.Configuration;

/// <summary>The root options of the proxy, bound from the <c>WebSocketProxy</c> configuration section.</summary>
/// <remarks>Each connection takes a snapshot of the options when it starts; a reload applies to new connections only.</remarks>
public sealed class WebSocketProxyOptions
{
    /// <summary>Gets the routes, keyed by route id.</summary>
    /// <value>Empty by default. Keys are compared case-insensitively.</value>
    public IDictionary<string, RouteConfig> Routes { get; } = new Dictionary<string, RouteConfig>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the clusters, keyed by cluster id.</summary>
    /// <value>Empty by default. Keys are compared case-insensitively.</value>
    public IDictionary<string, ClusterConfig> Clusters { get; } = new Dictionary<string, ClusterConfig>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets how long a graceful shutdown waits for live sessions to finish their close handshakes before aborting them.</summary>
    /// <value>Defaults to 10 seconds.</value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long the proxy waits for a peer to answer a close frame before aborting that leg.</summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the size of the pooled buffer each direction of a session rents while data is flowing.</summary>
    /// <value>Defaults to 64 KiB, so a 64 KiB message is forwarded in one receive and one send. Idle sessions hold no buffer.</value>
    public int ReceiveBufferSize { get; set; } = 64 * 1024;

    /// <summary>Gets or sets whether a burst of backend→client messages is gathered into one socket write to the client, sent as soon as the backend has nothing more ready.</summary>
    /// <value>Defaults to <see langword="false"/> (Kestrel already batches writes under load; see benchmarks/README.md). When on, messages are never delayed while the backend is idle, and pings and close frames are never held back.</value>
    public bool CoalesceWrites { get; set; }

    /// <summary>
    /// Gets or sets whether routes without message transformers forward data frames as they are on the wire, without
    /// unmasking, copying through a WebSocket or re-framing them (the frame relay).
    /// </summary>
    /// <value>
    /// Defaults to <see langword="true"/>. The relay needs both legs on transports the proxy owns: an HTTP/1.1 client, an
    /// HTTP/1.1 backend and no permessage-deflate on either leg; other sessions use the message path whatever this says.
    /// Message size and rate limits, frame limits, counters, the idle timer and every close code are the same on both paths.
    /// Measured (benchmarks/README.md): 10–20% less proxy CPU per message than the message path in every load-test
    /// scenario but a saturated stream of 1 KiB messages. Turn it off to force the message path everywhere.
    /// </value>
    public bool RelayFrames { get; set; } = DefaultRelayFrames;

    /// <summary>The default of <see cref="RelayFrames"/>, also what a leg assumes when no configuration is registered.</summary>
    internal const bool DefaultRelayFrames = true;
}
