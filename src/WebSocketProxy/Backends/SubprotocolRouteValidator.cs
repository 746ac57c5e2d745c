using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Validates a route's <c>SubprotocolMap</c> and compiles its <see cref="SubprotocolMapping"/> (attached only when the map has entries).</summary>
internal sealed class SubprotocolRouteValidator : IRouteConfigValidator
{
    public void Validate(RouteValidationContext context)
    {
        var map = context.Config.SubprotocolMap;
        if (map is null || map.Count == 0)
        {
            return;
        }

        var toBackend = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var valid = true;
        foreach (var (client, backend) in map)
        {
            if (!IsToken(client))
            {
                context.AddError($"SubprotocolMap:{client}", "is not a valid subprotocol name (an HTTP token: letters, digits and !#$%&'*+-.^_`|~).");
                valid = false;
            }
            else if (!IsToken(backend))
            {
                context.AddError($"SubprotocolMap:{client}", $"maps to '{backend}', which is not a valid subprotocol name (an HTTP token).");
                valid = false;
            }
            else if (!toBackend.TryAdd(client, backend))
            {
                context.AddError($"SubprotocolMap:{client}", "is listed twice (names are case-insensitive).");
                valid = false;
            }
        }

        if (valid)
        {
            context.Features.Add(new SubprotocolMapping(toBackend));
        }
    }

    private static bool IsToken(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
