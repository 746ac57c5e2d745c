using System.Diagnostics;

namespace WebSocketProxy.Diagnostics;

/// <summary>The proxy's activity source: one activity per proxied connection.</summary>
internal static class ProxyActivitySource
{
    public static readonly ActivitySource Instance = new(WebSocketProxyDiagnostics.ActivitySourceName);
}
