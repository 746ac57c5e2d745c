using Microsoft.Extensions.Options;

namespace WebSocketProxy.Gateway;

/// <summary>How the host is put together from configuration alone: mounted files and the shutdown budget.</summary>
internal static class GatewayHostConfiguration
{
    private const string DrainTimeoutKey = "WebSocketProxy:DrainTimeout";
    private static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Adds every file named by <c>Gateway:ConfigFiles</c> (optional, reloaded on change) above appsettings.json, then
    /// environment variables and the command line again so they keep the last word.
    /// </summary>
    public static void AddMountedFiles(ConfigurationManager configuration, string[] args)
    {
        var files = configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.ConfigFiles)}"];
        if (string.IsNullOrWhiteSpace(files))
        {
            return;
        }

        foreach (var file in files.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var path = Path.GetFullPath(file);

            // Watching needs the folder; a missing folder means a missing optional file, read once.
            var watch = Directory.Exists(Path.GetDirectoryName(path));
            configuration.AddJsonFile(path, optional: true, reloadOnChange: watch);
        }

        configuration.AddEnvironmentVariables();
        configuration.AddCommandLine(args);
    }

    /// <summary>The host shutdown timeout: configured, else delay + drain + margin; a configured one too short for the drain is an error.</summary>
    public static TimeSpan ShutdownTimeout(IConfiguration configuration, GatewayOptions options)
    {
        var drain = configuration.GetValue(DrainTimeoutKey, DefaultDrainTimeout);
        var needed = options.ShutdownDelay + drain;
        if (options.ShutdownTimeout is not { } configured)
        {
            return needed + GatewayOptions.ShutdownMargin;
        }

        if (configured < needed)
        {
            throw new OptionsValidationException(
                GatewayOptions.SectionName,
                typeof(GatewayOptions),
                [$"Gateway:ShutdownTimeout ({configured}) must be at least Gateway:ShutdownDelay + WebSocketProxy:DrainTimeout ({needed})."]);
        }

        return configured;
    }
}
