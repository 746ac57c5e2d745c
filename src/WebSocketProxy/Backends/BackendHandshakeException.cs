namespace WebSocketProxy.Backends;

/// <summary>A backend's handshake response the proxy cannot read: malformed, too large or cut short (before a status is known, like <c>SocketsHttpHandler</c>'s <c>HttpRequestException</c>).</summary>
internal sealed class BackendHandshakeException : IOException
{
    public BackendHandshakeException(string message)
        : base(message)
    {
    }
}
