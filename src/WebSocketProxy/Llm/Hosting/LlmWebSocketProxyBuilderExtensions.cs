using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Llm;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LLM mode extensions on an <see cref="IWebSocketProxyBuilder"/>.</summary>
public static class LlmWebSocketProxyBuilderExtensions
{
    /// <summary>Registers an LLM stream adapter under a name that providers choose in <see cref="LlmProviderConfig.Type"/>.</summary>
    /// <typeparam name="TAdapter">The adapter type; one singleton serves every request.</typeparam>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="name">The adapter name; a built-in name (see <see cref="LlmAdapterNames"/>) is replaced.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddLlmStreamAdapter<TAdapter>(this IWebSocketProxyBuilder builder, string name)
        where TAdapter : class, ILlmStreamAdapter
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.RemoveAllKeyed<ILlmStreamAdapter>(name);
        builder.Services.AddKeyedSingleton<ILlmStreamAdapter, TAdapter>(name);
        return builder;
    }
}
