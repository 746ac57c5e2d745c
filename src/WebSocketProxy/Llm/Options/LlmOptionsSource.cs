using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Llm;

/// <summary>
/// The last good LLM options: the first mapping throws on a bad configuration (the app does not start); a bad reload is
/// logged and the previous options stay. Budget counters live in the ledger, so a good reload keeps what was spent.
/// </summary>
internal sealed partial class LlmOptionsSource : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ILogger<LlmOptionsSource> _logger;
    private readonly IDisposable? _subscription;
    private readonly List<LlmRouteBuilder> _routes = [];
    private readonly Lock _lock = new();
    private LlmOptions _current;

    public LlmOptionsSource(IOptionsMonitor<LlmOptions> options, IServiceProvider services, ILogger<LlmOptionsSource> logger)
    {
        _services = services;
        _logger = logger;
        _current = options.CurrentValue;
        _subscription = options.OnChange(OnChanged);
    }

    /// <summary>Gets the options a new socket reads once.</summary>
    public LlmOptions Current => Volatile.Read(ref _current);

    /// <summary>Adds a mapped route after checking it (and the global settings) against the current options.</summary>
    /// <exception cref="OptionsValidationException">The configuration is invalid; every error is listed.</exception>
    public void AddRoute(LlmRouteBuilder route)
    {
        lock (_lock)
        {
            var errors = LlmOptionsValidator.Validate(_current, [route], _services);
            if (errors.Count > 0)
            {
                throw new OptionsValidationException("WebSocketProxy:Llm", typeof(LlmOptions), errors);
            }

            _routes.Add(route);
            LlmTokenEstimator.WarmUp(ConfiguredModels(_current, route.Build(_current)));
        }
    }

    private static IEnumerable<string> ConfiguredModels(LlmOptions options, LlmRouteConfig route)
    {
        foreach (var provider in options.Providers.Values)
        {
            foreach (var model in provider.Models)
            {
                yield return model;
            }
        }

        foreach (var model in route.AllowedModels)
        {
            yield return model;
        }

        if (route.DefaultModel is { } defaultModel)
        {
            yield return defaultModel;
        }

        foreach (var model in options.Prices.Keys)
        {
            yield return model;
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private void OnChanged(LlmOptions options, string? name)
    {
        if (name is not null && name != Microsoft.Extensions.Options.Options.DefaultName)
        {
            return;
        }

        lock (_lock)
        {
            var errors = LlmOptionsValidator.Validate(options, _routes, _services);
            if (errors.Count > 0)
            {
                Log.ReloadRejected(_logger, errors.Count, string.Join(" ", errors));
                return;
            }

            Volatile.Write(ref _current, options);
            Log.Reloaded(_logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmConfigurationReloaded, EventName = nameof(EventIds.LlmConfigurationReloaded), Level = LogLevel.Information, Message = "LLM configuration reloaded; new sockets use it, budgets keep what was spent.")]
        public static partial void Reloaded(ILogger logger);

        [LoggerMessage(EventId = EventIds.LlmConfigurationRejected, EventName = nameof(EventIds.LlmConfigurationRejected), Level = LogLevel.Error, Message = "LLM configuration reload rejected ({ErrorCount} errors); the last good configuration stays: {Errors}")]
        public static partial void ReloadRejected(ILogger logger, int errorCount, string errors);
    }
}
