namespace WebSocketProxy.Messages;

/// <summary>
/// A transformer built per route from its settings (the built-ins, and <c>AddMessageTransformerFactory</c>), registered as a
/// keyed singleton under the transformer's name.
/// </summary>
internal sealed class MessageTransformerFactory
{
    private readonly Func<IServiceProvider, MessageTransformerSettings, IMessageTransformer> _create;

    public MessageTransformerFactory(Func<IServiceProvider, MessageTransformerSettings, IMessageTransformer> create)
    {
        _create = create;
    }

    public IMessageTransformer Create(IServiceProvider services, MessageTransformerSettings settings) => _create(services, settings);
}
