using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>Configures one LLM route mapped with <c>MapLlmWebSocket(pattern, llm => …)</c>.</summary>
/// <remarks>
/// The route's policy is the configured <c>WebSocketProxy:Llm:Routes:&lt;id&gt;</c> chosen with <see cref="UseRoute"/> (or
/// defaults), changed by the other calls in order. It is read again for each connection, so configuration reloads apply.
/// </remarks>
public sealed class LlmRouteBuilder
{
    private readonly List<Func<LlmRouteConfig, LlmRouteConfig>> _changes = [];

    internal LlmRouteBuilder(string pattern)
    {
        Pattern = pattern;
        ConnectionRoute = LlmEndpointHandler.CreateRouteModel(pattern);
    }

    internal string Pattern { get; }

    /// <summary>Gets the model route the sockets' connection contexts carry.</summary>
    internal RouteModel ConnectionRoute { get; }

    internal string? RouteId { get; private set; }

    /// <summary>Starts from the configured route <c>WebSocketProxy:Llm:Routes:<paramref name="routeId"/></c>.</summary>
    /// <param name="routeId">The route id.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder UseRoute(string routeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(routeId);
        RouteId = routeId;
        return this;
    }

    /// <summary>Sets the ordered targets: provider names, or <c>provider/model</c> fixed fallbacks (see <see cref="LlmRouteConfig.Targets"/>).</summary>
    /// <param name="targets">The targets, first tried first.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder UseProviders(params string[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return Configure(r => r with { Targets = [.. targets] });
    }

    /// <summary>Sets the model used when a request names none.</summary>
    /// <param name="model">The model id.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder WithDefaultModel(string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return Configure(r => r with { DefaultModel = model });
    }

    /// <summary>Puts a system prompt before every request's messages.</summary>
    /// <param name="systemPrompt">The prompt.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder WithSystemPrompt(string systemPrompt)
    {
        ArgumentException.ThrowIfNullOrEmpty(systemPrompt);
        return Configure(r => r with { SystemPrompt = systemPrompt });
    }

    /// <summary>Adds a named template; <c>{{name}}</c> placeholders are filled from the request's <c>variables</c>.</summary>
    /// <param name="name">The template name requests use.</param>
    /// <param name="template">The template text.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder WithTemplate(string name, string template)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(template);
        return Configure(r =>
        {
            var templates = new Dictionary<string, string>(r.Templates.Count + 1, StringComparer.OrdinalIgnoreCase);
            foreach (var pair in r.Templates)
            {
                templates[pair.Key] = pair.Value;
            }

            templates[name] = template;
            return r with { Templates = templates };
        });
    }

    /// <summary>Caps <c>max_tokens</c>: larger requests are refused with <c>bad_request</c>; requests without one get the cap.</summary>
    /// <param name="maxTokens">The cap.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder WithMaxTokens(int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        return Configure(r => r with { MaxTokensCap = maxTokens });
    }

    /// <summary>Allows only these models; others are refused with <c>bad_request</c>.</summary>
    /// <param name="models">The model ids.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder AllowModels(params string[] models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return Configure(r => r with { AllowedModels = [.. models] });
    }

    /// <summary>Changes any route setting, e.g. <c>r => r with { AllowClientSystemMessages = false }</c>.</summary>
    /// <param name="configure">Returns the changed options.</param>
    /// <returns>This builder.</returns>
    public LlmRouteBuilder Configure(Func<LlmRouteConfig, LlmRouteConfig> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _changes.Add(configure);
        return this;
    }

    internal LlmRouteConfig Build(LlmOptions options)
    {
        var route = RouteId is not null && options.Routes.TryGetValue(RouteId, out var configured) ? configured : new LlmRouteConfig();
        foreach (var change in _changes)
        {
            route = change(route);
        }

        return route;
    }
}
