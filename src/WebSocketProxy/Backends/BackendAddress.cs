namespace WebSocketProxy.Backends;

/// <summary>Parses backend addresses, accepting <c>http(s)</c> as <c>ws(s)</c>.</summary>
internal static class BackendAddress
{
    public static bool TryParse(string? value, out Uri address, out string problem)
    {
        address = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            problem = "is required.";
            return false;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            problem = $"'{value}' is not an absolute URI.";
            return false;
        }

        var scheme = uri.Scheme.ToLowerInvariant() switch
        {
            "ws" or "http" => "ws",
            "wss" or "https" => "wss",
            _ => null,
        };
        if (scheme is null)
        {
            problem = $"'{value}' must use ws, wss, http or https.";
            return false;
        }

        address = scheme == uri.Scheme ? uri : new UriBuilder(uri) { Scheme = scheme, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
        problem = string.Empty;
        return true;
    }
}
