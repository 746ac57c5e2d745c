using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>The message limiters of one session, one per direction; releases the shared per-user rules when disposed.</summary>
internal sealed class SessionMessageLimits : IDisposable
{
    private readonly MessageRateLimiters _owner;
    private int _disposed;

    public SessionMessageLimits(MessageRateLimiters owner)
    {
        _owner = owner;
    }

    public MessageLimiter? ClientToBackend { get; set; }

    public MessageLimiter? BackendToClient { get; set; }

    /// <summary>Gets or sets whether a rule answers dropped messages with a notice: the session then sends whole messages only, so a notice never lands inside a fragmented message.</summary>
    public bool SendsNotices { get; set; }

    internal List<MessageRateLimiters.UserRuleKey> Held { get; } = [];

    public MessageLimiter? For(MessageDirection direction) => direction == MessageDirection.ClientToBackend ? ClientToBackend : BackendToClient;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && Held.Count > 0)
        {
            _owner.Release(Held);
        }
    }
}
