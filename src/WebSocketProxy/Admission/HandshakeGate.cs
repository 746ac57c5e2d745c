using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Security;

namespace WebSocketProxy.Admission;

/// <summary>
/// The handshake gate, after authentication and authorization and before any backend is contacted: the Origin check,
/// removal of browser tokens, concurrent-session limits, the session's message limiters and identity headers.
/// Context-free: it reads the request and a route's <see cref="AdmissionPolicy"/> and returns an immutable admission,
/// for proxy routes and LLM routes alike.
/// </summary>
internal sealed partial class HandshakeGate
{
    private readonly IConcurrentSessionLimiter _concurrency;
    private readonly MessageRateLimiters _messageLimits;
    private readonly ILogger<HandshakeGate> _logger;

    public HandshakeGate(IConcurrentSessionLimiter concurrency, MessageRateLimiters messageLimits, ILogger<HandshakeGate> logger)
    {
        _concurrency = concurrency;
        _messageLimits = messageLimits;
        _logger = logger;
    }

    /// <summary>Admits or rejects a handshake. The returned admission must be disposed when the connection ends, admitted or not.</summary>
    public async ValueTask<HandshakeAdmission> AdmitAsync(HttpContext context, AdmissionPolicy policy, CancellationToken cancellationToken)
    {
        var security = policy.Security;
        if (!security.IsOriginAllowed(context.Request))
        {
            Log.OriginRejected(_logger, context.TraceIdentifier, policy.RouteId, context.Request.Headers.Origin.ToString());
            return HandshakeAdmission.Reject(StatusCodes.Status403Forbidden, RejectionReasons.OriginNotAllowed, "The Origin of this request may not open this WebSocket route.", retryAfterSeconds: null);
        }

        WebSocketAccessToken.Strip(context, security);

        var permits = await _concurrency.TryAcquireAsync(context, policy.RouteId, policy.ConcurrentConnections, cancellationToken);
        if (permits.Unavailable)
        {
            return HandshakeAdmission.Reject(StatusCodes.Status503ServiceUnavailable, RejectionReasons.LimitsUnavailable, "Connection limits cannot be checked right now.", retryAfterSeconds: 1);
        }

        if (!permits.Acquired)
        {
            Log.ConcurrencyRejected(_logger, context.TraceIdentifier, policy.RouteId, permits.RefusedLimit!);
            return HandshakeAdmission.Reject(StatusCodes.Status429TooManyRequests, RejectionReasons.TooManyConnections, $"Too many open connections for this {permits.RefusedLimit}.", retryAfterSeconds: 1);
        }

        var leases = permits.Permits;

        var limits = _messageLimits.Create(policy.RouteId, policy.MessageRateLimit, policy.UserMessageRateLimit, ClientKeys.User(context));
        var closeAt = security.CloseOnTokenExpiry ? TokenExpiry.Find(context) : null;
        return new HandshakeAdmission(leases, limits, IdentityHeaders.Collect(context.User, security), closeAt);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.OriginRejected, EventName = nameof(EventIds.OriginRejected), Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route}: Origin '{Origin}' is not allowed.")]
        public static partial void OriginRejected(ILogger logger, string connectionId, string route, string origin);

        [LoggerMessage(EventId = EventIds.ConcurrencyRejected, EventName = nameof(EventIds.ConcurrencyRejected), Level = LogLevel.Information, Message = "Request {ConnectionId} on route {Route}: concurrent connection limit per {Limit} reached.")]
        public static partial void ConcurrencyRejected(ILogger logger, string connectionId, string route, string limit);
    }
}
