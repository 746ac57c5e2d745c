using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmClientRequestTests
{
    [Fact]
    public void Parse_ToolsToolChoiceImagesAndToolHistory_Read()
    {
        var request = Parse("""
            {"model":"gpt-4o","messages":[
              {"role":"user","content":[{"type":"text","text":"What is in "},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}},{"type":"image_url","image_url":"data:image/png;base64,iVBORw0KGgo="}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"a cat"}],
             "tools":[{"type":"function","function":{"name":"lookup","description":"Looks up","parameters":{"type":"object","properties":{"q":{"type":"string"}}},"strict":true}}],
             "tool_choice":{"type":"function","function":{"name":"lookup"}}}
            """);

        request.Messages[0].Parts.Should().HaveCount(3);
        request.Messages[0].Parts![1].ImageUrl.Should().Be("https://example.com/cat.png");
        request.Messages[0].Parts![2].ImageUrl.Should().StartWith("data:image/png;base64,");
        request.Messages[0].Content.Should().Be("What is in ");
        request.Messages[1].ToolCalls.Should().Equal(new LlmToolCall("call_1", "lookup", """{"q":"cat"}"""));
        request.Messages[2].Should().Be(new LlmMessage("tool", "a cat") { ToolCallId = "call_1" });
        request.Tools.Should().ContainSingle().Which.Name.Should().Be("lookup");
        request.Tools![0].Strict.Should().BeTrue();
        request.Tools[0].Parameters!.Value.GetProperty("type").GetString().Should().Be("object");
        request.ToolChoice.Should().Be(LlmToolChoice.Function("lookup"));
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://internal/x.png"}}]}]}""", "content part")]
    [InlineData("""{"messages":[{"role":"tool","content":"x"}]}""", "tool_call_id")]
    [InlineData("""{"messages":[{"role":"robot","content":"x"}]}""", "role")]
    [InlineData("""{"tools":[{"type":"function","function":{}}]}""", "Each tool")]
    [InlineData("""{"tool_choice":"auto"}""", "with 'tools'")]
    [InlineData("""{"options":{"frequency_penalty":1}}""", "Unknown option")]
    [InlineData("""{"options":{"stop":["a","b","c","d","e"]}}""", "at most 4")]
    [InlineData("""{"options":{"response_format":{"type":"yaml"}}}""", "response_format")]
    [InlineData("""{"models":["a","b","c","d","e"]}""", "at most 4 different models")]
    public void Parse_Invalid_RefusedWithReason(string json, string reason)
    {
        using var document = JsonDocument.Parse(json);

        LlmClientRequest.Parse(document.RootElement, "r1", maxModels: 4, out var error).Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void Parse_ShapingOptions_Read()
    {
        var request = Parse("""{"options":{"stop":"END","seed":42,"num_ctx":8192,"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}}}}""");

        request.Options.Stop.Should().Equal("END");
        request.Options.Seed.Should().Be(42);
        request.Options.ContextWindow.Should().Be(8192);
        request.Options.ResponseFormat!.Value.GetProperty("type").GetString().Should().Be("json_schema");
    }

    [Fact]
    public void Parse_ModelsCaseVariants_OneModel()
    {
        // Defect 6: 64 case variants of one model fanned out to 30 parallel upstream calls.
        var variants = string.Join(",", Enumerable.Range(0, 64).Select(i => "\"" + Vary("gpt-4o-mini", i) + "\""));

        var request = Parse($$"""{"models":[{{variants}}]}""");

        request.Models.Should().ContainSingle();
    }

    [Fact]
    public void Normalise_ConfiguredSpelling_Deduplicated()
    {
        var options = new LlmOptions();
        options.Providers["p"] = new LlmProviderConfig { Models = ["gpt-4o-mini", "claude-haiku"] };

        LlmModelNames.Normalise(options, new LlmRouteConfig(), [" GPT-4o-Mini", "gpt-4o-MINI", "Claude-Haiku"]).Should().Equal("gpt-4o-mini", "claude-haiku");
        LlmModelNames.ForTelemetry(options, new LlmRouteConfig(), new string('x', 300)).Should().Be("other");
        LlmModelNames.ForTelemetry(options, new LlmRouteConfig(), "CLAUDE-HAIKU").Should().Be("claude-haiku");
    }

    private static string Vary(string model, int seed)
        => new(model.Select((c, i) => ((seed >> (i % 6)) & 1) == 1 ? char.ToUpperInvariant(c) : c).ToArray());

    private static LlmClientRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return LlmClientRequest.Parse(document.RootElement, "r1", maxModels: 4, out var error) ?? throw new InvalidOperationException(error);
    }
}
