using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketProxy.Llm;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps LLM WebSocket endpoints.</summary>
public static class LlmEndpointRouteBuilderExtensions
{
    /// <summary>Maps an LLM endpoint: clients connect with subprotocol <c>llm.v1</c> and run chat requests over one socket.</summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, e.g. <c>/llm</c>.</param>
    /// <param name="configure">Chooses the route's policy, e.g. <c>llm => llm.UseRoute("chat").WithMaxTokens(1024)</c>.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization</c> and <c>RequireRateLimiting</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy().AddLlm(…)</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">The LLM configuration is invalid (every error in one message).</exception>
    public static IEndpointConventionBuilder MapLlmWebSocket(this IEndpointRouteBuilder endpoints, string pattern, Action<LlmRouteBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(configure);
        var handler = endpoints.ServiceProvider.GetService<LlmEndpointHandler>()
            ?? throw new InvalidOperationException(
                "Unable to find the LLM services. Call 'builder.Services.AddWebSocketProxy(...).AddLlm(...)' before 'app.MapLlmWebSocket(...)'.");
        var route = new LlmRouteBuilder(pattern);
        configure(route);
        endpoints.ServiceProvider.GetRequiredService<LlmOptionsSource>().AddRoute(route);

        return endpoints.Map(pattern, context => handler.HandleAsync(context, route))
            .WithDisplayName($"WebSocketProxy LLM route {pattern}");
    }

    /// <summary>
    /// Maps an OpenAI Realtime API route: a client's WebSocket (<c>?model=…</c>, subprotocol <c>realtime</c> optional) is
    /// relayed to the provider's realtime endpoint with the server-held key. The model must be allowed by the route (and
    /// the client's API key); each <c>response.done</c> is charged to the same budgets as chat requests, and the socket
    /// passes the same admission gate and shutdown drain.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The route pattern, e.g. <c>/llm/realtime</c>.</param>
    /// <param name="configure">Chooses the route's policy: its OpenAI provider (<c>UseProviders</c>), allowed models, origins and limits.</param>
    /// <returns>A builder for conventions such as <c>RequireAuthorization</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy().AddLlm(…)</c> was not called.</exception>
    /// <exception cref="OptionsValidationException">The LLM configuration is invalid (every error in one message).</exception>
    public static IEndpointConventionBuilder MapLlmRealtime(this IEndpointRouteBuilder endpoints, string pattern, Action<LlmRouteBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        ArgumentNullException.ThrowIfNull(configure);
        var handler = endpoints.ServiceProvider.GetService<LlmRealtimeHandler>()
            ?? throw new InvalidOperationException(
                "Unable to find the LLM services. Call 'builder.Services.AddWebSocketProxy(...).AddLlm(...)' before 'app.MapLlmRealtime(...)'.");
        var route = new LlmRouteBuilder(pattern);
        configure(route);
        endpoints.ServiceProvider.GetRequiredService<LlmOptionsSource>().AddRoute(route);
        return endpoints.Map(pattern, context => handler.HandleAsync(context, route))
            .WithDisplayName($"WebSocketProxy LLM realtime route {pattern}");
    }
}
