using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>Builds each session's message limiters and keeps the per-user rules that all of a user's sessions on a route share.</summary>
internal sealed class MessageRateLimiters
{
    private readonly Dictionary<UserRuleKey, UserRule> _userRules = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ISharedTokenBuckets? _shared;

    public MessageRateLimiters(TimeProvider timeProvider, ISharedTokenBuckets? shared = null)
    {
        _timeProvider = timeProvider;
        _shared = shared;
    }

    /// <summary>Gets the number of per-user rules alive (for tests: released when a user's last session ends).</summary>
    public int UserRuleCount
    {
        get
        {
            lock (_lock)
            {
                return _userRules.Count;
            }
        }
    }

    /// <summary>Returns the session's limits, or null when the route has no message rate limit (the pumps then skip the hook entirely).</summary>
    public SessionMessageLimits? Create(string routeId, MessageRateLimitConfig? perConnection, MessageRateLimitConfig? perUser, string userKey)
    {
        if (perConnection is null && perUser is null)
        {
            return null;
        }

        var limits = new SessionMessageLimits(this)
        {
            SendsNotices = perConnection is { OnExceeded: ViolationAction.DropWithNotice } || perUser is { OnExceeded: ViolationAction.DropWithNotice },
        };
        limits.ClientToBackend = CreateLimiter(routeId, perConnection, perUser, userKey, MessageDirection.ClientToBackend, limits);
        limits.BackendToClient = CreateLimiter(routeId, perConnection, perUser, userKey, MessageDirection.BackendToClient, limits);
        return limits;
    }

    private MessageLimiter? CreateLimiter(string routeId, MessageRateLimitConfig? perConnection, MessageRateLimitConfig? perUser, string userKey, MessageDirection direction, SessionMessageLimits limits)
    {
        MessageLimitRule? connection = null;
        if (perConnection is { } own && MessageLimitRule.AppliesTo(own, direction))
        {
            connection = MessageLimitRule.Create(own, _timeProvider);
        }

        MessageLimitRule? user = null;
        if (perUser is { } shared && MessageLimitRule.AppliesTo(shared, direction))
        {
            var key = new UserRuleKey(routeId, userKey, direction, shared);
            lock (_lock)
            {
                if (!_userRules.TryGetValue(key, out var entry))
                {
                    entry = new UserRule(MessageLimitRule.Create(shared, _timeProvider, _shared, $"{routeId}:{userKey}:{(direction == MessageDirection.ClientToBackend ? "in" : "out")}"));
                    _userRules[key] = entry;
                }

                entry.References++;
                user = entry.Rule;
            }

            limits.Held.Add(key);
        }

        return connection is null && user is null ? null : new MessageLimiter(connection, user, _timeProvider);
    }

    internal void Release(List<UserRuleKey> keys)
    {
        lock (_lock)
        {
            foreach (var key in keys)
            {
                if (_userRules.TryGetValue(key, out var entry) && --entry.References == 0)
                {
                    _userRules.Remove(key);
                }
            }
        }
    }

    internal readonly record struct UserRuleKey(string Route, string User, MessageDirection Direction, MessageRateLimitConfig Config);

    private sealed class UserRule(MessageLimitRule rule)
    {
        public MessageLimitRule Rule { get; } = rule;

        public int References { get; set; }
    }
}
