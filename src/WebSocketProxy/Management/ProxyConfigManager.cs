using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Management;

/// <summary>
/// Holds the current validated configuration. A bad first load throws (the app does not start);
/// a bad reload is logged and the last good configuration is kept.
/// </summary>
internal sealed partial class ProxyConfigManager : IProxyConfigSource, IDisposable
{
    private readonly ProxyConfigBuilder _builder;
    private readonly ILogger<ProxyConfigManager> _logger;
    private readonly IDisposable? _subscription;
    private readonly Lock _lock = new();
    private ProxyConfigSnapshot _current;
    private CancellationTokenSource _changeSource = new();

    public ProxyConfigManager(IOptionsMonitor<WebSocketProxyOptions> options, ProxyConfigBuilder builder, ILogger<ProxyConfigManager> logger)
    {
        _builder = builder;
        _logger = logger;
        var errors = new List<string>();
        _current = builder.Build(options.CurrentValue, null, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(ProxyConfigBuilder.SectionName, typeof(WebSocketProxyOptions), errors);
        }

        _subscription = options.OnChange(OnOptionsChanged);
    }

    /// <summary>Gets the current configuration; a connection reads it once when it starts.</summary>
    public ProxyConfigSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Gets a token that fires when a new configuration has been applied.</summary>
    public IChangeToken GetChangeToken()
    {
        lock (_lock)
        {
            return new CancellationChangeToken(_changeSource.Token);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    private void OnOptionsChanged(WebSocketProxyOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        CancellationTokenSource previousSource;
        lock (_lock)
        {
            var errors = new List<string>();
            var snapshot = _builder.Build(options, _current, errors);
            if (errors.Count > 0)
            {
                Log.ReloadRejected(_logger, errors.Count, string.Join(Environment.NewLine, errors));
                return;
            }

            Volatile.Write(ref _current, snapshot);
            previousSource = _changeSource;
            _changeSource = new CancellationTokenSource();
        }

        Log.Reloaded(_logger, _current.Routes.Count, _current.Clusters.Count);
        previousSource.Cancel();
        previousSource.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.ConfigurationReloaded, EventName = nameof(EventIds.ConfigurationReloaded), Level = LogLevel.Information, Message = "WebSocketProxy configuration reloaded: {RouteCount} routes, {ClusterCount} clusters. Live sessions keep their configuration.")]
        public static partial void Reloaded(ILogger logger, int routeCount, int clusterCount);

        [LoggerMessage(EventId = EventIds.ConfigurationReloadRejected, EventName = nameof(EventIds.ConfigurationReloadRejected), Level = LogLevel.Error, Message = "WebSocketProxy configuration reload rejected with {ErrorCount} errors; the last good configuration stays in force:\n{Errors}")]
        public static partial void ReloadRejected(ILogger logger, int errorCount, string errors);
    }
}
