using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WebSocketProxy.Llm;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Opts in to LLM mode and registers its extensions on an <see cref="IWebSocketProxyBuilder"/>.</summary>
public static class LlmWebSocketProxyBuilderExtensions
{
    /// <summary>The configuration section LLM mode binds when <see cref="AddLlm(IWebSocketProxyBuilder)"/> is given none.</summary>
    public const string DefaultSection = "WebSocketProxy:Llm";

    /// <summary>Adds LLM mode (<c>MapLlmWebSocket</c>) with options bound from <c>WebSocketProxy:Llm</c> of the app's configuration, reloading with it.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddLlm(this IWebSocketProxyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(DefaultSection);
        return builder;
    }

    /// <summary>Adds LLM mode with options bound from <paramref name="configuration"/> (e.g. <c>configuration.GetSection("WebSocketProxy:Llm")</c>), reloading with it.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="configuration">The LLM section.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddLlm(this IWebSocketProxyBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.Configure<LlmOptions>(configuration);
        return builder;
    }

    /// <summary>Adds LLM mode with options configured in code.</summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="configure">Configures providers, routes, budgets, keys and prices.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddLlm(this IWebSocketProxyBuilder builder, Action<LlmOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Adds a request stage, composed like ASP.NET Core middleware (the first added runs first), before the built-in
    /// stages budget → cache → fallback/retry → provider stages (<see cref="UseLlmStage"/>) → adapter, once per model of
    /// a request. A stage may rewrite <see cref="LlmRequestContext.Messages"/> (PII redaction: the estimate, the cache key and
    /// the provider see the result), refuse with <see cref="LlmRequestContext.Refuse"/> (a moderation call, a custom quota:
    /// no budget reserved, no provider called or cooled down), and read <see cref="LlmRequestContext.Outcome"/>,
    /// <see cref="LlmRequestContext.Usage"/> and <see cref="LlmRequestContext.Cost"/> after awaiting the next stage.
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="stage">The stage: the request and the rest of the pipeline, which it calls at most once.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder UseLlmRequestStage(this IWebSocketProxyBuilder builder, Func<LlmRequestContext, LlmRequestDelegate, ValueTask> stage)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stage);
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.AddSingleton(new LlmRequestStage(stage));
        return builder;
    }

    /// <summary>
    /// Adds a stage around every provider call, composed like Microsoft.Extensions.AI's <c>ChatClientBuilder.Use</c>: the
    /// first stage added is the outermost. A stage may rewrite the request (PII redaction), call a moderation service
    /// first, refuse (throw <see cref="LlmUpstreamException"/> with <see cref="LlmUpstreamException.StatusCode"/> 400 for
    /// <c>bad_request</c> without fallback), or transform the events it passes on. It runs for each attempt, after the
    /// budget was reserved and the cache missed, inside fallback.
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="stage">Wraps the inner adapter (the next stage or the provider's adapter) in a new one.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder UseLlmStage(this IWebSocketProxyBuilder builder, Func<ILlmStreamAdapter, IServiceProvider, ILlmStreamAdapter> stage)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stage);
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.AddSingleton(new LlmStage(stage));
        return builder;
    }

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
        builder.Services.AddWebSocketProxyLlm();
        builder.Services.RemoveAllKeyed<ILlmStreamAdapter>(name);
        builder.Services.AddKeyedSingleton<ILlmStreamAdapter, TAdapter>(name);
        return builder;
    }
}
