namespace WebSocketProxy.Gateway;

/// <summary>The gateway host's own settings (section <c>Gateway</c>); the proxy itself reads <c>WebSocketProxy</c>.</summary>
internal sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>Time added to the drain when the host shutdown timeout is computed.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets extra JSON files (separated by <c>;</c> or <c>,</c>), each optional and reloaded when it changes,
    /// e.g. a mounted <c>/config/appsettings.json</c>. Environment variables and the command line still win over them.
    /// </summary>
    /// <value>None.</value>
    public string? ConfigFiles { get; set; }

    /// <summary>
    /// Gets or sets how long the host stays up, unready and refusing new upgrades with 503, before the proxy drains
    /// (live sessions keep flowing meanwhile), so load balancers that poll readiness stop sending new clients first.
    /// </summary>
    /// <value><c>00:00:00</c> (Kubernetes gets the same from the chart's preStop sleep, before the signal).</value>
    public TimeSpan ShutdownDelay { get; set; }

    /// <summary>Gets or sets the host shutdown timeout; it must cover <see cref="ShutdownDelay"/> plus <c>WebSocketProxy:DrainTimeout</c>.</summary>
    /// <value>ShutdownDelay + DrainTimeout + 5 s.</value>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>Gets or sets the path of a built-in WebSocket echo endpoint (a demo or test backend).</summary>
    /// <value>None: off.</value>
    public string? EchoPath { get; set; }

    /// <summary>Gets or sets the path of the LLM WebSocket endpoint (<c>MapLlmWebSocket</c>).</summary>
    /// <value>None: off.</value>
    public string? LlmPath { get; set; }

    /// <summary>Gets or sets the <c>WebSocketProxy:Llm:Routes</c> entry the LLM endpoint uses.</summary>
    /// <value>None: the LLM defaults.</value>
    public string? LlmRoute { get; set; }

    /// <summary>Gets or sets whether <c>/metrics</c> serves the proxy's, ASP.NET Core's and the runtime's metrics in Prometheus format.</summary>
    /// <value><see langword="true"/>.</value>
    public bool MetricsEnabled { get; set; } = true;
}
