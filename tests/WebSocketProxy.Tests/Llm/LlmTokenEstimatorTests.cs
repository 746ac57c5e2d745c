using System.Text;
using FluentAssertions;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmTokenEstimatorTests
{
    private const string Cjk = "東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。経済、文化、政治の中心地として知られています。";

    [Theory]
    [InlineData("gpt-4o-mini", "o200k_base")]
    [InlineData("openai/gpt-4.1", "o200k_base")]
    [InlineData("o3-mini", "o200k_base")]
    [InlineData("gpt-5", "o200k_base")]
    [InlineData("gpt-4-turbo", "cl100k_base")]
    [InlineData("gpt-3.5-turbo", "cl100k_base")]
    [InlineData("claude-sonnet-4", null)]
    [InlineData("llama3.1", null)]
    public void EncodingOf_ModelIds(string model, string? encoding) => LlmTokenEstimator.EncodingOf(model).Should().Be(encoding);

    [Fact]
    public void EstimateOutput_OpenAIModel_CountsWithItsTokenizer()
    {
        LlmTokenEstimator.EstimateOutput("gpt-4o", "Once upon a time").Should().Be(4);
    }

    [Fact]
    public void EstimateInput_CjkText_AtLeastTheTokenizerCount_NotCharsOverFour()
    {
        // Defect 7: chars/4 estimated 15 tokens for this prompt; o200k counts several times that.
        var exact = LlmTokenEstimator.TokenizerFor("gpt-4o")!.CountTokens(Cjk);
        var messages = new List<LlmMessage> { new("user", Cjk) };

        var openAi = LlmTokenEstimator.EstimateInput("gpt-4o", messages, null);
        var other = LlmTokenEstimator.EstimateInput("claude-sonnet-4", messages, null);

        exact.Should().BeGreaterThan(Cjk.Length / 4 * 2);
        openAi.Should().Be(exact + LlmTokenEstimator.PerMessage + LlmTokenEstimator.Priming);
        other.Should().Be(Encoding.UTF8.GetByteCount(Cjk) + LlmTokenEstimator.PerMessage + LlmTokenEstimator.Priming, "without a tokenizer the UTF-8 bytes bound any byte-level tokenizer");
        other.Should().BeGreaterThanOrEqualTo(openAi);
    }

    [Fact]
    public void EstimateInput_ImagesAndTools_Counted()
    {
        var plain = new List<LlmMessage> { new("user", "What is this?") };
        var withImage = new List<LlmMessage>
        {
            new("user", "What is this?") { Parts = [LlmContentPart.FromText("What is this?"), LlmContentPart.FromImageUrl("data:image/png;base64,AAAA")] },
        };
        using var schema = System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""");
        var tools = new List<LlmTool> { new() { Name = "weather", Description = "Gets the weather", Parameters = schema.RootElement.Clone() } };

        var baseline = LlmTokenEstimator.EstimateInput("gpt-4o", plain, null);

        LlmTokenEstimator.EstimateInput("gpt-4o", withImage, null).Should().BeGreaterThanOrEqualTo(baseline + LlmTokenEstimator.PerImage);
        LlmTokenEstimator.EstimateInput("gpt-4o", plain, tools).Should().BeGreaterThan(baseline + 10);
    }
}
