using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WebSocketProxy.Llm;

/// <summary>Registers LLM mode; called once from <c>AddWebSocketProxy</c>.</summary>
internal static class LlmServices
{
    public static IServiceCollection AddWebSocketProxyLlm(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(LlmEndpointHandler)))
        {
            return services;
        }

        services.AddHttpClient(LlmHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                AutomaticDecompression = DecompressionMethods.All,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
        services.AddHybridCache();
        services.TryAddSingleton<LlmEndpointHandler>();
        services.TryAddSingleton<LlmChatProcessor>();
        services.TryAddSingleton<LlmBudgets>();
        services.TryAddSingleton<LlmResponseCache>();
        services.TryAddSingleton<LlmUsageRecorder>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILlmUsageSink, LlmDefaultUsageSink>());
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OpenAIChatAdapter>(LlmAdapterNames.OpenAIChat);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OpenAIResponsesAdapter>(LlmAdapterNames.OpenAIResponses);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, AnthropicMessagesAdapter>(LlmAdapterNames.Anthropic);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OllamaChatAdapter>(LlmAdapterNames.Ollama);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, ChatClientAdapter>(LlmAdapterNames.ChatClient);
        return services;
    }
}
