using System.Text.Json;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>The gateway's shutdown budget as the image ships it: appsettings.json, overridden by the Dockerfile's ENV.</summary>
public sealed record ShutdownBudget(TimeSpan ShutdownDelay, TimeSpan DrainTimeout)
{
    /// <summary>What the host waits for at most after SIGTERM (the gateway adds 5 s to delay + drain).</summary>
    public TimeSpan HostShutdownTimeout => ShutdownDelay + DrainTimeout + TimeSpan.FromSeconds(5);

    public static ShutdownBudget OfImage()
    {
        using var settings = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.GatewaySettings));
        var root = settings.RootElement;
        var delay = TimeSpan.Parse(root.GetProperty("Gateway").GetProperty("ShutdownDelay").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var drain = TimeSpan.Parse(root.GetProperty("WebSocketProxy").GetProperty("DrainTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var environment = Dockerfile.Load(RepositoryPaths.Dockerfile).FinalEnvironment();
        if (environment.TryGetValue("Gateway__ShutdownDelay", out var envDelay))
        {
            delay = TimeSpan.Parse(envDelay, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (environment.TryGetValue("WebSocketProxy__DrainTimeout", out var envDrain))
        {
            drain = TimeSpan.Parse(envDrain, System.Globalization.CultureInfo.InvariantCulture);
        }

        return new ShutdownBudget(delay, drain);
    }
}
