using System.Net.WebSockets;

namespace WebSocketProxy.Model;

/// <summary>
/// The control surface of a live session: what drains, token expiry and operators may do to it and see of it. Nothing outside
/// the forwarding stage names the session type itself.
/// </summary>
/// <remarks>Thread-safe: every member may be called from any thread, more than once.</remarks>
internal interface ISessionControl
{
    /// <summary>Gets the connection the session serves.</summary>
    ProxyConnectionContext Connection { get; }

    /// <summary>Gets a token cancelled when the session has ended (both legs closed or aborted).</summary>
    CancellationToken Ended { get; }

    /// <summary>Closes both legs, each with its own status and reason, completing both close handshakes.</summary>
    void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason);

    /// <summary>
    /// Closes the client leg first and keeps forwarding what the client still sends until its close arrives, which is
    /// then passed to the backend: a drain loses no message the client sent before it saw the close.
    /// </summary>
    void CloseClientFirst(WebSocketCloseStatus status, string reason);

    /// <summary>Aborts both legs at once, without close frames.</summary>
    void Abort();

    /// <summary>Reads what the session is and has done so far (route, backend, user, traffic each way, close statuses once known). Allocates one snapshot; never called per message.</summary>
    SessionSnapshot GetSnapshot();
}
