using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// Validates the configuration when the host starts (a bad first load stops the app) and drains every
/// session when it stops: new upgrades get 503, live sessions get 1001 on both legs.
/// </summary>
/// <remarks>Registered after the web server, so the host stops it before Kestrel stops listening.</remarks>
internal sealed partial class ProxyLifetimeService : IHostedLifecycleService
{
    private readonly IProxyConfigSource _config;
    private readonly SessionRegistry _sessions;
    private readonly IOptionsMonitor<WebSocketProxyOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ProxyLifetimeService> _logger;

    public ProxyLifetimeService(IProxyConfigSource config, SessionRegistry sessions, IOptionsMonitor<WebSocketProxyOptions> options, TimeProvider timeProvider, ILogger<ProxyLifetimeService> logger)
    {
        _config = config;
        _sessions = sessions;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var live = _sessions.Count;
        Log.Draining(_logger, live, _config.Current.Options.DrainTimeout);
        await _sessions.DrainAsync(_config.Current.Options.DrainTimeout, _timeProvider, cancellationToken);
        Log.Drained(_logger, live);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.Draining, EventName = nameof(EventIds.Draining), Level = LogLevel.Information, Message = "Shutting down: closing {SessionCount} WebSocket sessions with 1001 (drain timeout {DrainTimeout}).")]
        public static partial void Draining(ILogger logger, int sessionCount, TimeSpan drainTimeout);

        [LoggerMessage(EventId = EventIds.Drained, EventName = nameof(EventIds.Drained), Level = LogLevel.Information, Message = "Drain finished for {SessionCount} WebSocket sessions.")]
        public static partial void Drained(ILogger logger, int sessionCount);
    }
}
