using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Validates a route's <c>Affinity</c> keys and attaches its <see cref="AffinityPolicy"/> when <c>ForwardHttp</c> and affinity are on.</summary>
internal sealed class AffinityRouteValidator : IRouteConfigValidator
{
    public void Validate(RouteValidationContext context)
    {
        var config = context.Config;
        var affinity = config.Affinity;
        var start = context.Errors.Count;
        if (affinity?.KeyLifetime is { } lifetime && lifetime <= TimeSpan.Zero)
        {
            context.AddError("Affinity:KeyLifetime", "must be positive.");
        }

        if (affinity?.MaxKeys is < 1)
        {
            context.AddError("Affinity:MaxKeys", "must be at least 1.");
        }

        if (affinity?.CookieName is { Length: > 0 } name && !IsToken(name))
        {
            context.AddError("Affinity:CookieName", $"'{name}' is not a valid cookie name (letters, digits and !#$%&'*+-.^_`|~ only).");
        }

        if (context.Errors.Count == start && config.ForwardHttp == true && affinity?.Enabled != false)
        {
            context.Features.Add(new AffinityPolicy(context.Id, affinity));
        }
    }

    private static bool IsToken(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }
}
