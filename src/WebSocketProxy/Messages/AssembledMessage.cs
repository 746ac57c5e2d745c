using System.Net.WebSockets;

namespace WebSocketProxy.Messages;

/// <summary>What <see cref="MessageAssembler.ReceiveAsync"/> received: a whole message, a close frame, or a message over the size limit.</summary>
internal readonly record struct AssembledMessage(WebSocketMessageType MessageType, ReadOnlyMemory<byte> Payload, bool IsTooBig = false)
{
    public static AssembledMessage Close => new(WebSocketMessageType.Close, default);

    public static AssembledMessage TooBig => new(WebSocketMessageType.Binary, default, IsTooBig: true);

    public bool IsClose => MessageType == WebSocketMessageType.Close;
}
