using System.Globalization;

namespace WebSocketProxy.Gateway;

/// <summary>
/// <c>dotnet WebSocketProxy.Gateway.dll --health-check [url]</c>: asks a running gateway's liveness endpoint and exits
/// 0 (2xx) or 1, for the image's HEALTHCHECK (the runtime image has no curl). Without a URL it asks
/// <c>http://127.0.0.1:&lt;first of ASPNETCORE_HTTP_PORTS, else 8080&gt;/healthz/live</c>.
/// </summary>
internal static class HealthProbe
{
    public const string Argument = "--health-check";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : DefaultUrl(Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{url}: {(int)response.StatusCode}"));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"{url}: {ex.Message}");
            return 1;
        }
    }

    private static string DefaultUrl(string? httpPorts)
    {
        var first = httpPorts?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        var port = int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 8080;
        return string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}{GatewayEndpoints.Liveness}");
    }
}
