namespace WebSocketProxy.Messages;

/// <summary>A route's transformers in order (the built-in validation first): the messages stage's feature of a route.</summary>
/// <remarks>A route without transformers has an empty pipeline and its sessions stream frames without assembling.</remarks>
internal sealed class MessagePipeline
{
    public static readonly MessagePipeline Empty = new([]);

    public MessagePipeline(IMessageTransformer[] transformers)
    {
        Transformers = transformers;
    }

    public IMessageTransformer[] Transformers { get; }

    public bool IsEmpty => Transformers.Length == 0;
}
