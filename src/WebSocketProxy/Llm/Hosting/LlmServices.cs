using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>Registers LLM mode's services; called by <c>AddLlm</c> only, so an app without LLM routes carries none of it.</summary>
internal static class LlmServices
{
    public static IServiceCollection AddWebSocketProxyLlm(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(LlmEndpointHandler)))
        {
            return services;
        }

        // No redirects: a 3xx from a misconfigured or compromised base URL must not carry the key and prompt to another host.
        services.AddHttpClient(LlmHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                AutomaticDecompression = DecompressionMethods.All,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
        services.AddHybridCache();
        services.AddOptions<LlmOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LlmOptionsSource>();
        services.TryAddSingleton<LlmSocketGate>();
        services.TryAddSingleton<LlmEndpointHandler>();
        services.TryAddSingleton<LlmRealtimeHandler>();
        services.TryAddSingleton<LlmChatProcessor>();
        services.TryAddSingleton<LlmBudgetLedger>();
        services.TryAddSingleton<ILlmBudgetStore>(static sp => sp.GetRequiredService<LlmBudgetLedger>());
        services.TryAddSingleton<LlmDeploymentPool>();
        services.TryAddSingleton<LlmAdapterPipeline>();
        services.TryAddSingleton<LlmRequestPipeline>();
        services.TryAddSingleton<LlmResponseCache>();
        services.TryAddSingleton<LlmUsageRecorder>();
        services.TryAddSingleton<LlmApiKeyStore>();
        services.TryAddSingleton<ILlmApiKeyStore>(static sp => sp.GetRequiredService<LlmApiKeyStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILlmUsageSink, LlmDefaultUsageSink>());
        services.TryAddSingleton<IUsageTotals, LlmUsageTotals>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILlmUsageSink, LlmUsageTotalsSink>());
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OpenAIChatAdapter>(LlmAdapterNames.OpenAIChat);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OpenAIResponsesAdapter>(LlmAdapterNames.OpenAIResponses);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, AnthropicMessagesAdapter>(LlmAdapterNames.Anthropic);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, OllamaChatAdapter>(LlmAdapterNames.Ollama);
        services.TryAddKeyedSingleton<ILlmStreamAdapter, ChatClientAdapter>(LlmAdapterNames.ChatClient);
        return services;
    }
}
