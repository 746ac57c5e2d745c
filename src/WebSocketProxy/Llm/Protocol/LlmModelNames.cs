namespace WebSocketProxy.Llm;

/// <summary>
/// Model ids as the configuration spells them: a client's <c>GPT-4o-Mini </c> is the configured <c>gpt-4o-mini</c>, so
/// case variants of one model are one model (deduplicated in a fan-out), and only configured ids reach metric tags and logs.
/// </summary>
internal static class LlmModelNames
{
    /// <summary>The tag and log value of a model id that is not configured anywhere.</summary>
    public const string Other = "other";

    /// <summary>Trims, maps each id to its configured spelling and drops duplicates, keeping the first occurrence's order.</summary>
    public static IReadOnlyList<string> Normalise(LlmOptions options, LlmRouteConfig route, IReadOnlyList<string> models)
    {
        var result = new List<string>(models.Count);
        foreach (var model in models)
        {
            var name = Configured(options, route, model.Trim()) ?? model.Trim();
            if (!result.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(name);
            }
        }

        return result;
    }

    /// <summary>The model id for metric tags and log fields: the configured spelling, or <see cref="Other"/>.</summary>
    public static string ForTelemetry(LlmOptions options, LlmRouteConfig route, string model)
        => Configured(options, route, model) ?? Other;

    /// <summary>The configured spelling of <paramref name="model"/>: in a provider's <c>Models</c>, a route's lists, a <c>provider/model</c> target or the price table.</summary>
    public static string? Configured(LlmOptions options, LlmRouteConfig route, string model)
    {
        if (Find(route.AllowedModels, model) is { } allowed)
        {
            return allowed;
        }

        if (route.DefaultModel is { } d && string.Equals(d, model, StringComparison.OrdinalIgnoreCase))
        {
            return d;
        }

        foreach (var target in route.Targets)
        {
            var slash = target.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && string.Equals(target[(slash + 1)..], model, StringComparison.OrdinalIgnoreCase))
            {
                return target[(slash + 1)..];
            }
        }

        foreach (var provider in options.Providers.Values)
        {
            if (Find(provider.Models, model) is { } served)
            {
                return served;
            }
        }

        foreach (var priced in options.Prices.Keys)
        {
            if (string.Equals(priced, model, StringComparison.OrdinalIgnoreCase))
            {
                return priced;
            }
        }

        foreach (var other in options.Routes.Values)
        {
            if (Find(other.AllowedModels, model) is { } listed)
            {
                return listed;
            }
        }

        return null;
    }

    private static string? Find(IReadOnlyList<string> list, string value)
    {
        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.OrdinalIgnoreCase))
            {
                return item;
            }
        }

        return null;
    }
}
