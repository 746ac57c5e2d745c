using System.Net.WebSockets;

namespace WebSocketProxy.Messages;

/// <summary>An extra message a transformer added with <see cref="MessageTransformContext.SendToClient"/> or <see cref="MessageTransformContext.SendToBackend"/>.</summary>
internal readonly record struct OutgoingMessage(bool ToClient, ReadOnlyMemory<byte> Payload, WebSocketMessageType MessageType);
