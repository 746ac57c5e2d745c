using System.Net.WebSockets;

namespace WebSocketProxy.Model;

/// <summary>The close codes the proxy sends that <see cref="WebSocketCloseStatus"/> does not name.</summary>
internal static class ProxyCloseStatus
{
    /// <summary>1012 Service Restart: the backend is being drained; reconnect (to another backend).</summary>
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;

    /// <summary>1013 Try Again Later: the gateway is temporarily overloaded.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>1014 Bad Gateway: the backend went away without a close handshake.</summary>
    public const WebSocketCloseStatus BadGateway = (WebSocketCloseStatus)1014;
}
