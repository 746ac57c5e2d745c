using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using WebSocketProxy.Model;

namespace WebSocketProxy.Messages;

/// <summary>Registers the messages capability: the route validator that compiles pipelines and the audit queue (called by <c>AddWebSocketProxy</c>).</summary>
internal static class MessagesServiceCollectionExtensions
{
    public static IServiceCollection AddWebSocketProxyMessages(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRouteConfigValidator, MessagesRouteValidator>());
        services.TryAddSingleton<MessageAuditQueue>();

        // Registered before the proxy's own drain service, so it stops after it: records of the drained sessions are written.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MessageAuditQueue>(static sp => sp.GetRequiredService<MessageAuditQueue>()));
        return services;
    }
}
