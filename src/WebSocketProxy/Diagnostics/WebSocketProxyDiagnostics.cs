namespace WebSocketProxy.Diagnostics;

/// <summary>Names of the proxy's <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>.</summary>
public static class WebSocketProxyDiagnostics
{
    /// <summary>The name of the meter that publishes every <c>websocket_proxy.*</c> instrument.</summary>
    public const string MeterName = "WebSocketProxy";

    /// <summary>The name of the activity source; one activity per proxied connection.</summary>
    public const string ActivitySourceName = "WebSocketProxy";
}
