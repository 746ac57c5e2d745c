using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmPolicyTests
{
    [Theory]
    [InlineData("6m0s", 360_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("20ms", 20)]
    [InlineData("1h2m3s", 3_723_000)]
    public void TryParseGoDuration_ValidValues_Parsed(string value, double milliseconds)
    {
        LlmHttp.TryParseGoDuration(value, out var duration).Should().BeTrue();
        duration.TotalMilliseconds.Should().BeApproximately(milliseconds, 0.001);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("s")]
    public void TryParseGoDuration_Invalid_False(string value) => LlmHttp.TryParseGoDuration(value, out _).Should().BeFalse();

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("length", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("weird", "weird")]
    public void NormaliseFinishReason_ProviderValues_Mapped(string reason, string expected) => LlmHttp.NormaliseFinishReason(reason).Should().Be(expected);

    [Fact]
    public void Complete_ProviderFigures_NeverOverwritten()
    {
        var usage = LlmTokenEstimator.Complete(new LlmUsage { InputTokens = 25 }, estimatedInput: 999, estimatedOutput: 10, forceEstimated: false);

        usage.InputTokens.Should().Be(25);
        usage.OutputTokens.Should().Be(10);
        usage.TotalTokens.Should().Be(35);
        usage.Estimated.Should().BeTrue();
    }

    [Fact]
    public void Complete_AllReported_NotEstimated()
    {
        var usage = LlmTokenEstimator.Complete(new LlmUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15 }, 999, 999, forceEstimated: false);

        usage.Should().BeEquivalentTo(new LlmUsage { InputTokens = 10, OutputTokens = 5, TotalTokens = 15, CachedTokens = 0, Estimated = false });
    }

    [Fact]
    public void Apply_SystemPromptAndTemplate_MessagesBuilt()
    {
        var route = new LlmRouteConfig
        {
            SystemPrompt = "You are terse.",
            Templates = new Dictionary<string, string> { ["summarise"] = "Summarise in {{ words }} words: {{text}}" },
        };
        var (messages, _, error) = LlmPromptPolicy.Apply(route, Parse("""{"template":"summarise","variables":{"words":"5","text":"long text"}}"""), ["m"]);

        error.Should().BeNull();
        messages.Should().Equal(new LlmMessage("system", "You are terse."), new LlmMessage("user", "Summarise in 5 words: long text"));
    }

    [Theory]
    [InlineData("""{"template":"nope"}""", "Unknown template 'nope'.")]
    [InlineData("""{"template":"t","variables":{}}""", "Template 't' needs the variable 'x'.")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"options":{"max_tokens":500}}""", "max_tokens 500 exceeds this route's cap of 100.")]
    [InlineData("""{"messages":[{"role":"system","content":"evil"},{"role":"user","content":"hi"}]}""", "System messages are not allowed on this route.")]
    [InlineData("""{"messages":[]}""", "The request has no user or assistant messages (send 'messages' or a 'template').")]
    public void Apply_PolicyViolations_Refused(string json, string reason)
    {
        var route = new LlmRouteConfig
        {
            Templates = new Dictionary<string, string> { ["t"] = "{{x}}" },
            MaxTokensCap = 100,
            AllowClientSystemMessages = false,
        };

        LlmPromptPolicy.Apply(route, Parse(json), ["m"]).Error.Should().Be(reason);
    }

    [Fact]
    public void Apply_ModelNotAllowed_Refused()
    {
        var route = new LlmRouteConfig { AllowedModels = ["small"] };

        LlmPromptPolicy.Apply(route, Request(), ["big"]).Error.Should().Be("Model 'big' is not allowed on this route.");
    }

    [Fact]
    public void Apply_NoMaxTokens_CapUsed()
    {
        LlmPromptPolicy.Apply(new LlmRouteConfig { MaxTokensCap = 64 }, Request(), ["m"]).MaxTokens.Should().Be(64);
    }

    [Fact]
    public void Cost_FromPriceTable()
    {
        var options = new LlmOptions();
        options.Prices["m"] = new LlmPrice { InputPerMillion = 1m, CachedInputPerMillion = 0.5m, OutputPerMillion = 4m };

        LlmUsageRecorder.Cost(options, "m", new LlmUsage { InputTokens = 1_000_000, CachedTokens = 200_000, OutputTokens = 500_000 }).Should().Be(0.8m + 0.1m + 2m);
        LlmUsageRecorder.Cost(options, "other", new LlmUsage { InputTokens = 1 }).Should().BeNull();
    }

    private static LlmClientRequest Request() => Parse("""{"messages":[{"role":"user","content":"hi"}]}""");

    private static LlmClientRequest Parse(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return LlmClientRequest.Parse(document.RootElement, "r1", maxModels: 4, out var error) ?? throw new InvalidOperationException(error);
    }

    [Fact]
    public void RateLimitHint_ExhaustedLimits_LongestResetOfThoseAtZero()
    {
        var now = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        using var openai = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        openai.Headers.Add("x-ratelimit-remaining-requests", "0");
        openai.Headers.Add("x-ratelimit-reset-requests", "1m30s");
        openai.Headers.Add("x-ratelimit-remaining-tokens", "120");
        openai.Headers.Add("x-ratelimit-reset-tokens", "6m0s");
        using var anthropic = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        anthropic.Headers.Add("anthropic-ratelimit-tokens-remaining", "0");
        anthropic.Headers.Add("anthropic-ratelimit-tokens-reset", "2026-11-29T10:00:42Z");
        using var plenty = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        plenty.Headers.Add("x-ratelimit-remaining-requests", "499");
        plenty.Headers.Add("x-ratelimit-reset-requests", "120ms");

        LlmRateLimitHint.ExhaustedFor(openai, now).Should().Be(TimeSpan.FromSeconds(90), "only the exhausted limit counts");
        LlmRateLimitHint.ExhaustedFor(anthropic, now).Should().Be(TimeSpan.FromSeconds(42));
        LlmRateLimitHint.ExhaustedFor(plenty, now).Should().BeNull();
    }
}
