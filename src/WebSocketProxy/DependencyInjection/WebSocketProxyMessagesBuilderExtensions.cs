using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Messages;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers message transformers written as delegates or built per route from settings, and message audit sinks.</summary>
public static class WebSocketProxyMessagesBuilderExtensions
{
    /// <summary>Registers a transformer written as a delegate under a name that routes list in their transformer lists.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="name">The name routes refer to.</param>
    /// <param name="transform">Decides about one message, e.g. <c>(message, ct) => ValueTask.FromResult(MessageTransformResult.Forward())</c>; called concurrently for many sessions.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddMessageTransformer(this IWebSocketProxyBuilder builder, string name, Func<MessageTransformContext, CancellationToken, ValueTask<MessageTransformResult>> transform)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(transform);
        builder.Services.TryAddKeyedSingleton<IMessageTransformer>(name, new DelegateMessageTransformer(transform));
        return builder;
    }

    /// <summary>
    /// Registers a transformer built once per route (and again on each configuration reload) from the route's settings for it,
    /// <c>Routes:&lt;id&gt;:TransformerSettings:&lt;name&gt;</c>.
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="name">The name routes refer to (or name in an entry's <c>Type</c> setting).</param>
    /// <param name="factory">Builds the route's transformer; throws (preferably <see cref="MessageTransformerSettings.Invalid"/>) for settings it cannot use, which is reported as a configuration error.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddMessageTransformerFactory(this IWebSocketProxyBuilder builder, string name, Func<IServiceProvider, MessageTransformerSettings, IMessageTransformer> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.TryAddKeyedSingleton(name, new MessageTransformerFactory(factory));
        return builder;
    }

    /// <summary>Adds a sink for the message audit trail (routes opt in with the <c>MessageAudit</c> transformer); once any sink is added, the default log sink is not used.</summary>
    /// <typeparam name="TSink">The sink type, a singleton.</typeparam>
    /// <param name="builder">The proxy builder.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddMessageAuditSink<TSink>(this IWebSocketProxyBuilder builder)
        where TSink : class, IMessageAuditSink
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageAuditSink, TSink>());
        return builder;
    }

    /// <summary>Adds a sink that appends the message audit trail to a JSON Lines file (one JSON object per record, flushed per batch).</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="path">The file; relative to the current directory. Its folder is created when needed.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddMessageAuditFile(this IWebSocketProxyBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        builder.Services.AddSingleton<IMessageAuditSink>(_ => new JsonLinesMessageAuditSink(fullPath)); // created by the container, so it is disposed (and the file closed) with it
        return builder;
    }
}
