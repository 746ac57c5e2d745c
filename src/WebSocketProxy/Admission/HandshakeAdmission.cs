using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Admission;

/// <summary>
/// What the handshake gate decided, immutable: a rejection, or what an admitted connection holds until it ends —
/// concurrency permits, its message limiters, the identity header values for the backend, and when its token expires.
/// </summary>
/// <remarks>Dispose it when the connection ends, admitted or not: that returns the permits and the per-user limiters.</remarks>
internal sealed class HandshakeAdmission : IDisposable
{
    private readonly IDisposable? _leases;

    public HandshakeAdmission(IDisposable? leases, SessionMessageLimits? messageLimits, KeyValuePair<string, string>[] identityHeaders, DateTimeOffset? closeAt)
    {
        _leases = leases;
        MessageLimits = messageLimits;
        IdentityHeaders = identityHeaders;
        CloseAt = closeAt;
    }

    private HandshakeAdmission(HandshakeRejection rejection)
    {
        Rejection = rejection;
        IdentityHeaders = [];
    }

    public HandshakeRejection? Rejection { get; }

    /// <summary>Gets the session's message limiters; null when the route has none (the pumps then skip the hook).</summary>
    public SessionMessageLimits? MessageLimits { get; }

    /// <summary>Gets the identity headers for the backend handshake (header, value), taken from the client's claims.</summary>
    public KeyValuePair<string, string>[] IdentityHeaders { get; }

    /// <summary>Gets when the session must close because the client's token expires; null when the route does not ask or the token has no expiry.</summary>
    public DateTimeOffset? CloseAt { get; }

    public static HandshakeAdmission Reject(int statusCode, string reason, string message, int? retryAfterSeconds)
        => new(new HandshakeRejection(statusCode, reason, message, retryAfterSeconds));

    public void Dispose()
    {
        _leases?.Dispose();
        MessageLimits?.Dispose();
    }
}
