using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Messages;

/// <summary>One whole message passing through a transformer pipeline.</summary>
/// <remarks>The proxy reuses one instance per session and direction: do not keep a reference to it or to <see cref="Payload"/> after the call returns.</remarks>
public sealed class MessageTransformContext
{
    internal MessageTransformContext(ProxyConnectionContext connection, MessageDirection direction)
    {
        Connection = connection;
        Direction = direction;
    }

    /// <summary>Gets the connection the message belongs to.</summary>
    public ProxyConnectionContext Connection { get; }

    /// <summary>Gets the direction of the message.</summary>
    public MessageDirection Direction { get; }

    /// <summary>Gets the message type (text or binary).</summary>
    public WebSocketMessageType MessageType { get; internal set; }

    /// <summary>Gets the whole message payload; for a text message, UTF-8.</summary>
    public ReadOnlyMemory<byte> Payload { get; internal set; }
}
