using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.RateLimiting;

/// <summary>Builds each session's message limiters and keeps the per-user rules that all of a user's sessions on a route share.</summary>
internal sealed class MessageRateLimiters
{
    private readonly Dictionary<UserRuleKey, UserRule> _userRules = [];
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;

    public MessageRateLimiters(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
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
    public SessionMessageLimits? Create(ProxyRoute route, string userKey)
    {
        var config = route.Config;
        if (config.MessageRateLimit is null && config.UserMessageRateLimit is null)
        {
            return null;
        }

        var limits = new SessionMessageLimits(this)
        {
            SendsNotices = config.MessageRateLimit is { OnExceeded: RateLimitAction.Drop, SendNotice: true }
                || config.UserMessageRateLimit is { OnExceeded: RateLimitAction.Drop, SendNotice: true },
        };
        limits.ClientToBackend = CreateLimiter(route, userKey, MessageDirection.ClientToBackend, limits);
        limits.BackendToClient = CreateLimiter(route, userKey, MessageDirection.BackendToClient, limits);
        return limits;
    }

    private MessageLimiter? CreateLimiter(ProxyRoute route, string userKey, MessageDirection direction, SessionMessageLimits limits)
    {
        var config = route.Config;
        MessageLimitRule? connection = null;
        if (config.MessageRateLimit is { } own && MessageLimitRule.AppliesTo(own, direction))
        {
            connection = MessageLimitRule.Create(own, _timeProvider);
        }

        MessageLimitRule? user = null;
        if (config.UserMessageRateLimit is { } shared && MessageLimitRule.AppliesTo(shared, direction))
        {
            var key = new UserRuleKey(route.Id, userKey, direction, shared);
            lock (_lock)
            {
                if (!_userRules.TryGetValue(key, out var entry))
                {
                    entry = new UserRule(MessageLimitRule.Create(shared, _timeProvider));
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
