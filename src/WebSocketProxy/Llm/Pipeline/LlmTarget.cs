namespace WebSocketProxy.Llm;

/// <summary>One provider and model a request may be sent to, in fallback order.</summary>
internal sealed record LlmTarget(string ProviderName, LlmProviderConfig Provider, string Model)
{
    /// <summary>At most this many targets are tried for one request.</summary>
    public const int MaxTargets = 8;

    /// <summary>Resolves a route's targets for a requested model (see <see cref="LlmRouteConfig.Targets"/>).</summary>
    public static List<LlmTarget> Resolve(LlmOptions options, LlmRouteConfig route, string model)
    {
        var targets = new List<LlmTarget>();
        IEnumerable<string> names = route.Targets.Count > 0 ? route.Targets : options.Providers.Keys;
        foreach (var name in names)
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var providerName = slash > 0 ? name[..slash] : name;
            if (!options.Providers.TryGetValue(providerName, out var provider))
            {
                continue;
            }

            if (slash > 0)
            {
                targets.Add(new LlmTarget(providerName, provider, name[(slash + 1)..]));
            }
            else if (provider.Models.Count == 0 || provider.Models.Contains(model, StringComparer.OrdinalIgnoreCase))
            {
                targets.Add(new LlmTarget(providerName, provider, model));
            }

            if (targets.Count == MaxTargets)
            {
                break;
            }
        }

        return targets;
    }
}
