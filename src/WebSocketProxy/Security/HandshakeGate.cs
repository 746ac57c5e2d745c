using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Forwarding;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Security;

/// <summary>
/// The handshake gate, after authentication and authorization and before any backend is contacted: the Origin check,
/// removal of browser tokens, concurrent-connection limits, and the session's message limiters.
/// </summary>
internal sealed partial class HandshakeGate
{
    private readonly ConnectionConcurrencyLimiter _concurrency;
    private readonly MessageRateLimiters _messageLimits;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<HandshakeGate> _logger;

    public HandshakeGate(ConnectionConcurrencyLimiter concurrency, MessageRateLimiters messageLimits, TimeProvider timeProvider, ILogger<HandshakeGate> logger)
    {
        _concurrency = concurrency;
        _messageLimits = messageLimits;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Admits or rejects a handshake. The returned admission must be disposed when the connection ends, admitted or not.</summary>
    public HandshakeAdmission Admit(ProxyConnectionContext connection)
    {
        var context = connection.HttpContext;
        var route = connection.RouteState;
        var policy = route.Security;
        if (!policy.IsOriginAllowed(context.Request))
        {
            Log.OriginRejected(_logger, connection.ConnectionId, route.Id, context.Request.Headers.Origin.ToString());
            return HandshakeAdmission.Reject(StatusCodes.Status403Forbidden, "origin_not_allowed", "The Origin of this request may not open this WebSocket route.", retryAfterSeconds: null);
        }

        WebSocketAccessToken.Strip(context, policy);

        if (!_concurrency.TryAcquire(context, route, out var leases, out var limit))
        {
            Log.ConcurrencyRejected(_logger, connection.ConnectionId, route.Id, limit!);
            return HandshakeAdmission.Reject(StatusCodes.Status429TooManyRequests, "too_many_connections", $"Too many open connections for this {limit}.", retryAfterSeconds: 1);
        }

        var limits = _messageLimits.Create(route, ClientKeys.User(context));
        connection.MessageLimits = limits;
        return new HandshakeAdmission(leases, limits, _timeProvider, _logger);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, EventName = "OriginRejected", Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route}: Origin '{Origin}' is not allowed.")]
        public static partial void OriginRejected(ILogger logger, string connectionId, string route, string origin);

        [LoggerMessage(EventId = 400, EventName = "ConcurrencyRejected", Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route}: concurrent connection limit per {Limit} reached.")]
        public static partial void ConcurrencyRejected(ILogger logger, string connectionId, string route, string limit);
    }
}
