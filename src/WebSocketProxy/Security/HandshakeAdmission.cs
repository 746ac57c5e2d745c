using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Forwarding;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Security;

/// <summary>What the handshake gate decided, and what an admitted connection holds until it ends: concurrency permits, user rate limits, the token-expiry timer.</summary>
internal sealed partial class HandshakeAdmission : IDisposable
{
    /// <summary>The longest timer a <see cref="TimeProvider"/> takes (about 49 days); a later expiry re-arms.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly ConnectionLeases? _leases;
    private readonly SessionMessageLimits? _limits;
    private readonly TimeProvider? _timeProvider;
    private readonly ILogger? _logger;
    private ITimer? _expiryTimer;
    private ProxySession? _session;
    private DateTimeOffset _expires;

    public HandshakeAdmission(ConnectionLeases? leases, SessionMessageLimits? limits, TimeProvider timeProvider, ILogger logger)
    {
        _leases = leases;
        _limits = limits;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    private HandshakeAdmission(HandshakeRejection rejection)
    {
        Rejection = rejection;
    }

    public HandshakeRejection? Rejection { get; }

    public static HandshakeAdmission Reject(int statusCode, string errorType, string message, int? retryAfterSeconds)
        => new(new HandshakeRejection(statusCode, errorType, message, retryAfterSeconds));

    /// <summary>Arms the token-expiry timer of an admitted session, when its route asks for one and the token has an expiry.</summary>
    public void Start(ProxySession session)
    {
        var connection = session.Connection;
        if (!connection.RouteState.Security.CloseOnTokenExpiry || _timeProvider is null
            || TokenExpiry.Find(connection.HttpContext) is not { } expires)
        {
            return;
        }

        _session = session;
        _expires = expires;
        _expiryTimer = _timeProvider.CreateTimer(static state => ((HandshakeAdmission)state!).OnExpiryTimer(), this, Due(), Timeout.InfiniteTimeSpan);
    }

    private TimeSpan Due()
    {
        var due = _expires - _timeProvider!.GetUtcNow();
        return due <= TimeSpan.Zero ? TimeSpan.Zero : (due > MaxTimer ? MaxTimer : due);
    }

    private void OnExpiryTimer()
    {
        var session = _session!; // set before the timer is created
        var due = Due();
        if (due > TimeSpan.Zero)
        {
            try
            {
                _expiryTimer?.Change(due, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The session ended meanwhile.
            }

            return;
        }

        Log.TokenExpired(_logger!, session.Connection.ConnectionId, session.Connection.RouteId);
        session.RequestClose(WebSocketCloseStatus.PolicyViolation, "authentication expired", WebSocketCloseStatus.EndpointUnavailable, "authentication expired");
    }

    public void Dispose()
    {
        _expiryTimer?.Dispose();
        _leases?.Dispose();
        _limits?.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 301, EventName = "TokenExpired", Level = LogLevel.Information, Message = "Session {ConnectionId} on route {Route}: the client's token expired; closing with 1008.")]
        public static partial void TokenExpired(ILogger logger, string connectionId, string route);
    }
}
