using System.Net.WebSockets;

namespace WebSocketProxy.Testing;

/// <summary>One whole message, or the close, as a peer received it.</summary>
/// <param name="Type">The message type; <see cref="WebSocketMessageType.Close"/> for the close.</param>
/// <param name="Data">The message's bytes (empty for the close).</param>
/// <param name="CloseStatus">The close status, for the close.</param>
/// <param name="CloseDescription">The close description, for the close.</param>
public sealed record Received(WebSocketMessageType Type, byte[] Data, WebSocketCloseStatus? CloseStatus = null, string? CloseDescription = null)
{
    /// <summary>Gets the data decoded as UTF-8.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Data);
}
