using System.Net.WebSockets;

namespace WebSocketProxy.Backends;

/// <summary>The headers of a <see cref="ClientWebSocket"/> handshake (the HTTP/2 backend leg).</summary>
internal sealed class ClientWebSocketHeaderTarget(ClientWebSocketOptions options) : IBackendHandshakeHeaderTarget
{
    public void SetHeader(string name, string? value) => options.SetRequestHeader(name, value);
}
