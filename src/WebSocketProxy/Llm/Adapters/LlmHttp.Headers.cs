using System.Globalization;

namespace WebSocketProxy.Llm;

/// <summary>Provider response headers: how long to wait (<c>retry-after-ms</c>, <c>retry-after</c>, <c>x-ratelimit-reset-*</c>) and the request id.</summary>
internal static partial class LlmHttp
{
    /// <summary>Reads <c>retry-after-ms</c>, <c>retry-after</c> (seconds or an HTTP date), then OpenAI's <c>x-ratelimit-reset-*</c> (Go durations) on a 429.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (TryGetHeader(response, "retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        if ((int)response.StatusCode == 429)
        {
            TimeSpan? longest = null;
            foreach (var name in (ReadOnlySpan<string>)["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"])
            {
                if (TryGetHeader(response, name, out var value) && TryParseGoDuration(value, out var duration) && (longest is null || duration > longest))
                {
                    longest = duration;
                }
            }

            return longest;
        }

        return null;
    }

    /// <summary>Parses Go-style durations such as <c>6m0s</c>, <c>1.5s</c>, <c>20ms</c>, <c>1h2m3s</c>.</summary>
    public static bool TryParseGoDuration(string value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = value.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        double totalMs = 0;
        while (!span.IsEmpty)
        {
            var i = 0;
            while (i < span.Length && (char.IsAsciiDigit(span[i]) || span[i] == '.'))
            {
                i++;
            }

            if (i == 0 || !double.TryParse(span[..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[i..];
            var j = 0;
            while (j < span.Length && char.IsAsciiLetter(span[j]))
            {
                j++;
            }

            var unit = span[..j];
            span = span[j..];
            var factor = unit switch
            {
                "h" => 3_600_000d,
                "m" => 60_000d,
                "s" => 1_000d,
                "ms" => 1d,
                "us" or "µs" => 0.001,
                "ns" => 0.000001,
                _ => -1,
            };
            if (factor < 0)
            {
                return false;
            }

            totalMs += number * factor;
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>The provider's request id: OpenAI's <c>x-request-id</c>, Anthropic's <c>request-id</c> (at most 128 characters).</summary>
    public static string? RequestId(HttpResponseMessage response)
    {
        foreach (var name in (ReadOnlySpan<string>)["x-request-id", "request-id", "apim-request-id"])
        {
            if (TryGetHeader(response, name, out var value) && value.Length is > 0 and <= 128)
            {
                return value;
            }
        }

        return null;
    }
}
