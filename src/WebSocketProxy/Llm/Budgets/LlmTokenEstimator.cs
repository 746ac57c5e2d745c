namespace WebSocketProxy.Llm;

/// <summary>A provider-neutral estimate (about four characters per token, plus a few tokens per message) used for reservations and partial usage.</summary>
internal static class LlmTokenEstimator
{
    public static int Estimate(IReadOnlyList<LlmMessage> messages)
    {
        var tokens = 3;
        foreach (var message in messages)
        {
            tokens += 4 + Estimate(message.Content.Length);
        }

        return tokens;
    }

    public static int Estimate(int characters) => (characters + 3) / 4;

    /// <summary>Fills the figures the provider did not report; a reported figure is never replaced.</summary>
    public static LlmUsage Complete(LlmUsage reported, int estimatedInput, int outputCharacters, bool forceEstimated)
    {
        var estimated = forceEstimated;
        var input = reported.InputTokens;
        if (input is null)
        {
            input = estimatedInput;
            estimated = true;
        }

        var output = reported.OutputTokens;
        if (output is null)
        {
            output = Estimate(outputCharacters);
            estimated = true;
        }

        return new LlmUsage
        {
            InputTokens = input,
            OutputTokens = output,
            CachedTokens = reported.CachedTokens ?? 0,
            TotalTokens = reported.TotalTokens is { } total && reported.InputTokens is not null && reported.OutputTokens is not null ? total : input + output,
            Estimated = estimated,
        };
    }

    /// <summary>Merges a provider report into the figures so far: each reported field replaces the earlier one (Anthropic's counts are cumulative).</summary>
    public static LlmUsage Merge(LlmUsage current, LlmUsage report) => new()
    {
        InputTokens = report.InputTokens ?? current.InputTokens,
        OutputTokens = report.OutputTokens ?? current.OutputTokens,
        CachedTokens = report.CachedTokens ?? current.CachedTokens,
        TotalTokens = report.TotalTokens ?? current.TotalTokens,
    };
}
