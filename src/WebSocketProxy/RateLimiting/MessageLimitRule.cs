using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>One configured message rate limit applied to one direction: a message bucket, a byte bucket, and what to do on exceed.</summary>
internal sealed class MessageLimitRule
{
    private MessageLimitRule(ITokenBucket? messages, ITokenBucket? bytes, ViolationAction action)
    {
        Messages = messages;
        Bytes = bytes;
        Action = action;
    }

    public ITokenBucket? Messages { get; }

    public ITokenBucket? Bytes { get; }

    public ViolationAction Action { get; }

    public static MessageLimitRule Create(MessageRateLimitConfig config, TimeProvider timeProvider) => Create(config, timeProvider, null, null);

    /// <summary>Creates a rule whose buckets come from <paramref name="shared"/> (keyed <c>{key}:messages</c> / <c>{key}:bytes</c>) when given.</summary>
    public static MessageLimitRule Create(MessageRateLimitConfig config, TimeProvider timeProvider, ISharedTokenBuckets? shared, string? key)
    {
        ITokenBucket? messages = null;
        if (config.PermitsPerSecond is { } perSecond and > 0)
        {
            var burst = config.Burst is { } b and > 0 ? b : Math.Max(1, Math.Ceiling(perSecond));
            messages = shared is null ? new TokenBucket(perSecond, burst, timeProvider) : shared.Create(key + ":messages", perSecond, burst);
        }

        ITokenBucket? bytes = null;
        if (config.BytesPerSecond is { } bytesPerSecond and > 0)
        {
            var burst = config.BytesBurst is { } b and > 0 ? b : bytesPerSecond;
            bytes = shared is null ? new TokenBucket(bytesPerSecond, burst, timeProvider) : shared.Create(key + ":bytes", bytesPerSecond, burst);
        }

        return new MessageLimitRule(messages, bytes, config.OnExceeded ?? ViolationAction.Delay);
    }

    public static bool AppliesTo(MessageRateLimitConfig config, MessageDirection direction) => ((config.Direction ?? MessageDirection.ClientToBackend) & direction) != 0;

    public static void Validate(MessageRateLimitConfig? config, string key, List<string> errors)
    {
        if (config is null)
        {
            return;
        }

        if (config.PermitsPerSecond is null && config.BytesPerSecond is null)
        {
            errors.Add($"{key} needs PermitsPerSecond, BytesPerSecond or both.");
        }

        if (config.PermitsPerSecond is { } perSecond && (perSecond <= 0 || double.IsNaN(perSecond) || double.IsInfinity(perSecond)))
        {
            errors.Add($"{key}:PermitsPerSecond must be positive.");
        }

        if (config.Burst is <= 0)
        {
            errors.Add($"{key}:Burst must be positive.");
        }

        if (config.BytesPerSecond is <= 0)
        {
            errors.Add($"{key}:BytesPerSecond must be positive.");
        }

        if (config.BytesBurst is <= 0)
        {
            errors.Add($"{key}:BytesBurst must be positive.");
        }

        if (config.OnExceeded is { } action && !Enum.IsDefined(action))
        {
            errors.Add($"{key}:OnExceeded must be Delay, Drop, DropWithNotice or Close.");
        }
    }
}
