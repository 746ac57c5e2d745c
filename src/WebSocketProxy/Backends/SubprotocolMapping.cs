using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// A route's subprotocol translation (<c>SubprotocolMap</c>): what the backend handshake offers for each subprotocol the
/// client offers, and which of the client's names answers the client for the one the backend chose.
/// </summary>
internal sealed class SubprotocolMapping
{
    private readonly Dictionary<string, string> _toBackend;

    public SubprotocolMapping(Dictionary<string, string> toBackend)
    {
        _toBackend = toBackend;
    }

    /// <summary>The subprotocols to offer the backend: the client's, each translated, without duplicates, in the client's order.</summary>
    public static IList<string> ToBackend(RouteModel route, IList<string> offered)
    {
        if (offered.Count == 0 || route.Features.Get<SubprotocolMapping>() is not { } mapping)
        {
            return offered;
        }

        var result = new List<string>(offered.Count);
        foreach (var protocol in offered)
        {
            var translated = mapping.Map(protocol);
            if (!result.Contains(translated, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(translated);
            }
        }

        return result;
    }

    /// <summary>The subprotocol to answer the client: the first it offered that translates to the backend's choice (the backend's choice itself without a translation).</summary>
    public static string? ToClient(RouteModel route, string? chosen, IList<string> offered)
    {
        if (chosen is null || route.Features.Get<SubprotocolMapping>() is not { } mapping)
        {
            return chosen;
        }

        foreach (var protocol in offered)
        {
            if (string.Equals(mapping.Map(protocol), chosen, StringComparison.OrdinalIgnoreCase))
            {
                return protocol;
            }
        }

        return chosen;
    }

    private string Map(string protocol) => _toBackend.TryGetValue(protocol, out var translated) ? translated : protocol;
}
