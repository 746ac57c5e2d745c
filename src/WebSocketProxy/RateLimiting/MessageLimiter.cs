using WebSocketProxy.Configuration;

namespace WebSocketProxy.RateLimiting;

/// <summary>The message rate limits of one session and direction: the connection's own rule and the user's shared rule.</summary>
/// <remarks>Used by one pump at a time. The allowed path completes synchronously and allocates nothing.</remarks>
internal sealed class MessageLimiter
{
    /// <summary>The notice a sender gets for a dropped message when the rule asks for one.</summary>
    public static readonly ReadOnlyMemory<byte> DropNotice = """{"type":"message.rejected","reason":"rate_limited"}"""u8.ToArray();

    private readonly MessageLimitRule? _connection;
    private readonly MessageLimitRule? _user;
    private readonly TimeProvider _timeProvider;

    public MessageLimiter(MessageLimitRule? connection, MessageLimitRule? user, TimeProvider timeProvider)
    {
        _connection = connection;
        _user = user;
        _timeProvider = timeProvider;
    }

    /// <summary>Asks for the permits of a frame: one message at the start of a message, plus its bytes. With <see cref="ViolationAction.Delay"/>, waits until they are there.</summary>
    public ValueTask<RateLimitVerdict> AcquireAsync(bool messageStart, int bytes, CancellationToken cancellationToken)
    {
        var verdict = TryAcquire(messageStart, bytes, out var wait);
        return wait == TimeSpan.Zero ? new ValueTask<RateLimitVerdict>(verdict) : WaitAsync(messageStart, bytes, wait, cancellationToken);
    }

    /// <summary>
    /// Charges the extra frames of a fragmented message as messages (a message of many tiny frames costs what many
    /// messages cost). The frames are already being forwarded, so <c>Drop</c> charges them as debt; <c>Close</c> closes
    /// when they exceed the budget; <c>Delay</c> waits.
    /// </summary>
    public async ValueTask<RateLimitVerdict> ChargeFramesAsync(int frames, CancellationToken cancellationToken)
    {
        var verdict = await ChargeFramesAsync(_connection, frames, cancellationToken);
        return verdict == RateLimitVerdict.Allowed ? await ChargeFramesAsync(_user, frames, cancellationToken) : verdict;
    }

    private async ValueTask<RateLimitVerdict> ChargeFramesAsync(MessageLimitRule? rule, int frames, CancellationToken cancellationToken)
    {
        if (rule?.Messages is not { } messages)
        {
            return RateLimitVerdict.Allowed;
        }

        var force = rule.Action is ViolationAction.Drop or ViolationAction.DropWithNotice;
        while (!messages.TryTake(frames, force, out var wait))
        {
            if (rule.Action == ViolationAction.Close)
            {
                return RateLimitVerdict.Close;
            }

            await Task.Delay(wait, _timeProvider, cancellationToken); // Delay: the sender is not read meanwhile
        }

        return RateLimitVerdict.Allowed;
    }

    private async ValueTask<RateLimitVerdict> WaitAsync(bool messageStart, int bytes, TimeSpan wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Not reading from the sender meanwhile is the backpressure: its TCP window fills and it slows down.
            await Task.Delay(wait, _timeProvider, cancellationToken);
            var verdict = TryAcquire(messageStart, bytes, out wait);
            if (wait == TimeSpan.Zero)
            {
                return verdict;
            }
        }
    }

    /// <summary>Takes from every rule or from none; a non-zero <paramref name="wait"/> means "delay and ask again".</summary>
    private RateLimitVerdict TryAcquire(bool messageStart, int bytes, out TimeSpan wait)
    {
        var verdict = Take(_connection, messageStart, bytes, out wait);
        if (verdict != RateLimitVerdict.Allowed || wait != TimeSpan.Zero)
        {
            return verdict;
        }

        verdict = Take(_user, messageStart, bytes, out wait);
        if (verdict != RateLimitVerdict.Allowed || wait != TimeSpan.Zero)
        {
            Refund(_connection, messageStart, bytes);
        }

        return verdict;
    }

    private static RateLimitVerdict Take(MessageLimitRule? rule, bool messageStart, int bytes, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (rule is null)
        {
            return RateLimitVerdict.Allowed;
        }

        // Part of a message is already forwarded: it cannot be dropped any more, so Drop charges it (debt) instead.
        var force = !messageStart && rule.Action is ViolationAction.Drop or ViolationAction.DropWithNotice;
        var tookMessage = false;
        if (messageStart && rule.Messages is { } messages)
        {
            if (!messages.TryTake(1, force: false, out wait))
            {
                return Exceeded(rule, ref wait);
            }

            tookMessage = true;
        }

        if (bytes > 0 && rule.Bytes is { } byteBucket && !byteBucket.TryTake(bytes, force, out wait))
        {
            if (tookMessage)
            {
                rule.Messages!.Refund(1); // tookMessage implies Messages is set
            }

            return Exceeded(rule, ref wait);
        }

        return RateLimitVerdict.Allowed;
    }

    private static RateLimitVerdict Exceeded(MessageLimitRule rule, ref TimeSpan wait)
    {
        switch (rule.Action)
        {
            case ViolationAction.Delay:
                return RateLimitVerdict.Allowed; // with a non-zero wait
            case ViolationAction.Drop:
                wait = TimeSpan.Zero;
                return RateLimitVerdict.Drop;
            case ViolationAction.DropWithNotice:
                wait = TimeSpan.Zero;
                return RateLimitVerdict.DropWithNotice;
            default:
                wait = TimeSpan.Zero;
                return RateLimitVerdict.Close;
        }
    }

    private static void Refund(MessageLimitRule? rule, bool messageStart, int bytes)
    {
        if (rule is null)
        {
            return;
        }

        if (messageStart)
        {
            rule.Messages?.Refund(1);
        }

        if (bytes > 0)
        {
            rule.Bytes?.Refund(bytes);
        }
    }
}
