namespace WebSocketProxy.Messages;

/// <summary>A transformer written as a delegate (<c>AddMessageTransformer("name", (message, ct) => …)</c>).</summary>
internal sealed class DelegateMessageTransformer : IMessageTransformer
{
    private readonly Func<MessageTransformContext, CancellationToken, ValueTask<MessageTransformResult>> _transform;

    public DelegateMessageTransformer(Func<MessageTransformContext, CancellationToken, ValueTask<MessageTransformResult>> transform)
    {
        _transform = transform;
    }

    public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        => _transform(context, cancellationToken);
}
