using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Messages;

/// <summary>One whole message passing through a transformer pipeline.</summary>
/// <remarks>The proxy reuses one instance per session and direction: do not keep a reference to it or to <see cref="Payload"/> after the call returns.</remarks>
public sealed class MessageTransformContext
{
    private OutgoingMessage[] _outgoing = [];
    private int _outgoingCount;
    private MessagePayloadWriter[] _writers = [];
    private int _writerCount;

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

    /// <summary>Gets how many extra messages were added for this message.</summary>
    internal int OutgoingCount => _outgoingCount;

    /// <summary>Sends an extra message to the client once the pipeline has decided about this one, before the message itself is forwarded.</summary>
    /// <param name="payload">The payload; for text, valid UTF-8. It must stay valid until the next message of this session and direction (a <see cref="CreatePayloadWriter"/> buffer does).</param>
    /// <param name="messageType">The message type.</param>
    /// <remarks>Extra messages are sent in the order they were added, also when the message is dropped or a transformer closes the session.</remarks>
    public void SendToClient(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Text)
        => Add(new OutgoingMessage(ToClient: true, payload, CheckType(messageType)));

    /// <summary>Sends an extra message to the backend once the pipeline has decided about this one, before the message itself is forwarded.</summary>
    /// <param name="payload">The payload; for text, valid UTF-8. It must stay valid until the next message of this session and direction (a <see cref="CreatePayloadWriter"/> buffer does).</param>
    /// <param name="messageType">The message type.</param>
    /// <remarks>Extra messages are sent in the order they were added, also when the message is dropped or a transformer closes the session.</remarks>
    public void SendToBackend(ReadOnlyMemory<byte> payload, WebSocketMessageType messageType = WebSocketMessageType.Text)
        => Add(new OutgoingMessage(ToClient: false, payload, CheckType(messageType)));

    /// <summary>Returns an empty pooled buffer to write a new payload into; what is written stays valid until the message has been sent.</summary>
    /// <returns>A writer of its own: each call returns a different one, so a transformer can read <see cref="Payload"/> (perhaps another transformer's buffer) while writing.</returns>
    public MessagePayloadWriter CreatePayloadWriter()
    {
        if (_writerCount == _writers.Length)
        {
            Array.Resize(ref _writers, Math.Max(2, _writers.Length * 2));
        }

        var writer = _writers[_writerCount] ??= new MessagePayloadWriter();
        _writerCount++;
        return writer;
    }

    /// <summary>Gets the extra message at <paramref name="index"/>, in the order they were added.</summary>
    internal OutgoingMessage GetOutgoing(int index) => _outgoing[index];

    /// <summary>Forgets the extra messages and returns the payload buffers of the last message to the pool.</summary>
    internal void Reset()
    {
        Payload = default;
        if (_outgoingCount > 0)
        {
            _outgoing.AsSpan(0, _outgoingCount).Clear();
            _outgoingCount = 0;
        }

        for (var i = 0; i < _writerCount; i++)
        {
            _writers[i].Reset();
        }

        _writerCount = 0;
    }

    private static WebSocketMessageType CheckType(WebSocketMessageType messageType)
    {
        if (messageType is not (WebSocketMessageType.Text or WebSocketMessageType.Binary))
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), "An extra message is text or binary; use MessageTransformResult.Close to close the connection.");
        }

        return messageType;
    }

    private void Add(OutgoingMessage message)
    {
        if (_outgoingCount == _outgoing.Length)
        {
            Array.Resize(ref _outgoing, Math.Max(2, _outgoing.Length * 2));
        }

        _outgoing[_outgoingCount++] = message;
    }
}
