using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;

namespace WebSocketProxy.Llm;

/// <summary>Checks the LLM configuration when a route is mapped; every error names its key.</summary>
internal static class LlmOptionsValidator
{
    public static List<string> Validate(LlmOptions options, LlmRouteBuilder route, IServiceProvider services)
    {
        var errors = new List<string>();
        foreach (var (name, provider) in options.Providers)
        {
            var key = $"WebSocketProxy:Llm:Providers:{name}";
            if (services.GetKeyedService<ILlmStreamAdapter>(provider.Type) is null)
            {
                errors.Add($"{key}:Type '{provider.Type}' is not a registered LLM stream adapter.");
            }

            if (!string.IsNullOrEmpty(provider.BaseUrl)
                && (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                errors.Add($"{key}:BaseUrl '{provider.BaseUrl}' is not an absolute http(s) URL.");
            }

            if (provider.Timeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:Timeout must be positive.");
            }
        }

        if (route.RouteId is { } id && !options.Routes.ContainsKey(id))
        {
            errors.Add($"MapLlmWebSocket(\"{route.Pattern}\") uses unknown route 'WebSocketProxy:Llm:Routes:{id}'.");
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

        var routeKey = route.RouteId is { } configured ? $"WebSocketProxy:Llm:Routes:{configured}" : $"MapLlmWebSocket(\"{route.Pattern}\")";
        var admission = new RouteConfig { AllowedOrigins = built.AllowedOrigins, AllowMissingOrigin = built.AllowMissingOrigin };
        RouteSecurityPolicy.Validate(admission, routeKey, errors);
        ConnectionConcurrencyLimiter.Validate(built.ConcurrentConnections, $"{routeKey}:ConcurrentConnections", errors);

        if (options.Budgets.TokensPerMinute is <= 0 || options.Budgets.TokensPerDay is <= 0 || options.Budgets.RequestsPerMinute is <= 0)
        {
            errors.Add("WebSocketProxy:Llm:Budgets limits must be positive.");
        }

        return errors;
    }
}
