using Microsoft.Extensions.Options;

namespace WebSocketProxy.Gateway;

/// <summary>
/// The first step of a graceful stop. As soon as the host begins stopping (SIGTERM → ApplicationStopping) the gateway
/// is unready (it answers the readiness probe itself) and refuses new WebSocket upgrades with 503; it then holds the stop for <c>Gateway:ShutdownDelay</c>
/// while live sessions keep flowing, and only then lets the proxy drain (1001 on both legs).
/// </summary>
/// <remarks>
/// Registered after the proxy, so the host calls its <see cref="StoppingAsync"/> before the proxy's (stopping runs in
/// reverse registration order, one service after the other). Thread-safe.
/// </remarks>
internal sealed partial class ShutdownGate : IHostedLifecycleService
{
    private readonly GatewayOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ShutdownGate> _logger;
    private int _stopping;

    public ShutdownGate(IHostApplicationLifetime lifetime, IOptions<GatewayOptions> options, TimeProvider timeProvider, ILogger<ShutdownGate> logger)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        lifetime.ApplicationStopping.Register(static state => ((ShutdownGate)state!).MarkStopping(), this);
    }

    /// <summary>Gets whether the host has begun stopping.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) != 0;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        MarkStopping();
        if (_options.ShutdownDelay <= TimeSpan.Zero)
        {
            return;
        }

        Log.Delaying(_logger, _options.ShutdownDelay);
        try
        {
            await Task.Delay(_options.ShutdownDelay, _timeProvider, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out: go on with the drain at once.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Once the host is stopping: answers new WebSocket upgrades with 503 and <c>Retry-After</c>, and the readiness probe
    /// with 503 (the library's own readiness turns unready only when its drain starts, after the shutdown delay).
    /// </summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsStopping)
        {
            return next(context);
        }

        if (context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            return context.Response.WriteAsync("The gateway is shutting down.");
        }

        if (context.Request.Path.Equals(GatewayEndpoints.Readiness, StringComparison.OrdinalIgnoreCase) && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
        {
            // The same shape as the library's readiness answer.
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(new { status = "Unhealthy", description = "The gateway is shutting down." }, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        }

        return next(context);
    }

    private void MarkStopping()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 0)
        {
            Log.Stopping(_logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "Stopping", Level = LogLevel.Information, Message = "Stopping: readiness is now unready and new WebSocket upgrades get 503.")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(EventId = 2, EventName = "ShutdownDelay", Level = LogLevel.Information, Message = "Holding the drain for {ShutdownDelay} so load balancers stop sending new clients.")]
        public static partial void Delaying(ILogger logger, TimeSpan shutdownDelay);
    }
}
