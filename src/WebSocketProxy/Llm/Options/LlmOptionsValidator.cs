using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;

namespace WebSocketProxy.Llm;

/// <summary>Checks the LLM configuration on the first mapping and on every reload; every error names its key.</summary>
internal static class LlmOptionsValidator
{
    private const string Root = "WebSocketProxy:Llm";

    public static List<string> Validate(LlmOptions options, IEnumerable<LlmRouteBuilder> routes, IServiceProvider services)
    {
        var errors = new List<string>();
        ValidateGlobal(options, services, errors);
        foreach (var route in routes)
        {
            ValidateRoute(options, route, errors);
        }

        return errors;
    }

    private static void ValidateGlobal(LlmOptions options, IServiceProvider services, List<string> errors)
    {
        foreach (var (name, provider) in options.Providers)
        {
            var key = $"{Root}:Providers:{name}";
            if (services.GetKeyedService<ILlmStreamAdapter>(provider.Type) is null)
            {
                errors.Add($"{key}:Type '{provider.Type}' is not a registered LLM stream adapter.");
            }

            if (!string.IsNullOrEmpty(provider.BaseUrl)
                && (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add($"{key}:BaseUrl is not an absolute http(s) URL.");
            }

            for (var i = 0; i < provider.Deployments.Count; i++)
            {
                if (provider.Deployments[i].BaseUrl is { Length: > 0 } url
                    && (!Uri.TryCreate(url, UriKind.Absolute, out var deploymentUri) || deploymentUri.Scheme is not ("http" or "https")))
                {
                    errors.Add($"{key}:Deployments:{i}:BaseUrl is not an absolute http(s) URL.");
                }
            }

            if (provider.Cooldown < TimeSpan.Zero)
            {
                errors.Add($"{key}:Cooldown must not be negative.");
            }

            if (provider.Timeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:Timeout must be positive.");
            }
        }

        ValidateBudgets(options.Budgets, $"{Root}:Budgets", errors);
        foreach (var (id, apiKey) in options.ApiKeys)
        {
            if (apiKey.Sha256 is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{Root}:ApiKeys:{id}:Sha256 must be the 64 hexadecimal digits of the key's SHA-256.");
            }

            if (apiKey.Budgets is { } budgets)
            {
                ValidateBudgets(budgets, $"{Root}:ApiKeys:{id}:Budgets", errors);
            }
        }

        foreach (var (model, price) in options.Prices)
        {
            if (price.InputPerMillion < 0 || price.OutputPerMillion < 0 || price.CachedInputPerMillion < 0)
            {
                errors.Add($"{Root}:Prices:{model} must not be negative.");
            }
        }

        if (options.MaxConcurrentRequests <= 0 || options.MaxModelsPerRequest <= 0 || options.MaxMessageBytes <= 0)
        {
            errors.Add($"{Root}:MaxConcurrentRequests, MaxModelsPerRequest and MaxMessageBytes must be positive.");
        }

        if (options.SendTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Root}:SendTimeout must be positive.");
        }
    }

    private static void ValidateBudgets(LlmBudgetConfig budgets, string key, List<string> errors)
    {
        if (budgets.TokensPerMinute is <= 0 || budgets.TokensPerDay is <= 0 || budgets.RequestsPerMinute is <= 0 || budgets.CostPerDay is <= 0)
        {
            errors.Add($"{key} limits must be positive.");
        }

        if (budgets.WarnBelow is < 0 or > 1)
        {
            errors.Add($"{key}:WarnBelow must be between 0 and 1.");
        }
    }

    private static void ValidateRoute(LlmOptions options, LlmRouteBuilder route, List<string> errors)
    {
        if (route.RouteId is { } id && !options.Routes.ContainsKey(id))
        {
            errors.Add($"MapLlmWebSocket(\"{route.Pattern}\") uses unknown route '{Root}:Routes:{id}'.");
        }

        var built = route.Build(options);
        foreach (var target in built.Targets)
        {
            var slash = target.IndexOf('/', StringComparison.Ordinal);
            var provider = slash > 0 ? target[..slash] : target;
            if (!options.Providers.ContainsKey(provider))
            {
                errors.Add($"The LLM route '{route.RouteId ?? route.Pattern}' targets unknown provider '{provider}'.");
            }
        }

        var routeKey = route.RouteId is { } configured ? $"{Root}:Routes:{configured}" : $"MapLlmWebSocket(\"{route.Pattern}\")";
        var admission = new RouteConfig { AllowedOrigins = built.AllowedOrigins, AllowMissingOrigin = built.AllowMissingOrigin };
        RouteSecurityPolicy.Validate(admission, routeKey, errors);
        ConnectionConcurrencyLimiter.Validate(built.ConcurrentConnections, $"{routeKey}:ConcurrentConnections", errors);
    }
}
