using System.Globalization;

namespace WebSocketProxy.Llm;

/// <summary>
/// What a successful provider answer says about the deployment's own limits: OpenAI's <c>x-ratelimit-remaining-*</c>
/// with <c>x-ratelimit-reset-*</c> (Go durations) and Anthropic's <c>anthropic-ratelimit-*-remaining</c> with
/// <c>*-reset</c> (RFC 3339). When a limit has nothing left, the processor rests the deployment until the announced
/// reset instead of learning it from the next request's 429.
/// </summary>
/// <remarks>
/// The attempt opens a <see cref="Slot"/> in an <see cref="AsyncLocal{T}"/> before it streams; <see cref="LlmHttp.SendAsync"/>
/// fills it from the response headers, so it works through user stages that rebuild the request.
/// </remarks>
internal static class LlmRateLimitHint
{
    private static readonly AsyncLocal<Slot?> CurrentSlot = new();

    private static readonly (string Remaining, string Reset, bool GoDuration)[] Limits =
    [
        ("x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", true),
        ("x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", true),
        ("anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset", false),
        ("anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset", false),
        ("anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset", false),
        ("anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset", false),
    ];

    /// <summary>Opens the slot the provider call of this attempt fills.</summary>
    public static Slot Begin()
    {
        var slot = new Slot();
        CurrentSlot.Value = slot;
        return slot;
    }

    /// <summary>Records, for the attempt in progress, how long the deployment has nothing left (if it says so).</summary>
    public static void Observe(HttpResponseMessage response, DateTimeOffset now)
    {
        if (CurrentSlot.Value is { } slot && ExhaustedFor(response, now) is { } wait)
        {
            slot.Exhausted = wait;
        }
    }

    /// <summary>The longest wait among the limits a response reports as exhausted (remaining 0), or <see langword="null"/>.</summary>
    public static TimeSpan? ExhaustedFor(HttpResponseMessage response, DateTimeOffset now)
    {
        TimeSpan? longest = null;
        foreach (var (remainingName, resetName, goDuration) in Limits)
        {
            if (!response.Headers.TryGetValues(remainingName, out var remaining) || remaining.FirstOrDefault()?.Trim() != "0"
                || !response.Headers.TryGetValues(resetName, out var resets) || resets.FirstOrDefault() is not { } reset)
            {
                continue;
            }

            TimeSpan? wait = goDuration
                ? LlmHttp.TryParseGoDuration(reset, out var duration) ? duration : null
                : DateTimeOffset.TryParse(reset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at - now : null;
            if (wait is { } w && w > TimeSpan.Zero && (longest is null || w > longest))
            {
                longest = w;
            }
        }

        return longest;
    }

    /// <summary>One attempt's finding.</summary>
    public sealed class Slot
    {
        public TimeSpan? Exhausted { get; set; }
    }
}
