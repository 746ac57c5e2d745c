using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Transformers;

/// <summary>Registers the built-in transformers under their <see cref="MessageTransformerNames"/> (called by <c>AddWebSocketProxy</c>).</summary>
internal static class TransformersServiceCollectionExtensions
{
    public static IServiceCollection AddWebSocketProxyTransformers(this IServiceCollection services)
    {
        Add(services, MessageTransformerNames.JsonEnvelope, static (sp, settings) => JsonEnvelopeTransformer.Create(settings, sp.GetRequiredService<TimeProvider>()));
        Add(services, MessageTransformerNames.JsonRedaction, static (_, settings) => JsonRedactionTransformer.Create(settings));
        Add(services, MessageTransformerNames.TextBinary, static (_, settings) => TextBinaryTransformer.Create(settings));
        Add(services, MessageTransformerNames.BinaryJson, static (_, settings) => BinaryJsonTransformer.Create(settings));
        Add(services, MessageTransformerNames.MessageAudit, static (sp, settings) => MessageAuditTransformer.Create(settings, sp.GetRequiredService<MessageAuditQueue>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    private static void Add(IServiceCollection services, string name, Func<IServiceProvider, MessageTransformerSettings, IMessageTransformer> create)
        => services.TryAddKeyedSingleton(name, new MessageTransformerFactory(create));
}
