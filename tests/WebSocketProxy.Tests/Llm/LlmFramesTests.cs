using System.Text;
using FluentAssertions;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmFramesTests
{
    [Fact]
    public void Delta_TextPart_KeepsTextAndAddsPartAndPartId()
    {
        var frame = Encoding.UTF8.GetString(LlmFrames.Delta("r1", null, 3, LlmStreamEvent.Delta(LlmPartType.Text, "0", "Hi")));

        frame.Should().Be("""{"type":"chat.delta","id":"r1","seq":3,"part":"text","partId":"0","text":"Hi"}""");
    }

    [Fact]
    public void Delta_ReplayedText_PartWithoutPartId()
    {
        var frame = Encoding.UTF8.GetString(LlmFrames.Delta("r1", "gpt-4o-mini", 0, "Hi"));

        frame.Should().Be("""{"type":"chat.delta","id":"r1","model":"gpt-4o-mini","seq":0,"part":"text","text":"Hi"}""");
    }

    [Theory]
    [InlineData(LlmPartType.Reasoning, "reasoning")]
    [InlineData(LlmPartType.Refusal, "refusal")]
    public void Delta_ReasoningOrRefusal_TextUnderItsPart(LlmPartType part, string name)
    {
        var frame = Encoding.UTF8.GetString(LlmFrames.Delta("r1", null, 1, LlmStreamEvent.Delta(part, "rs_1", "why")));

        frame.Should().Be("{\"type\":\"chat.delta\",\"id\":\"r1\",\"seq\":1,\"part\":\"" + name + "\",\"partId\":\"rs_1\",\"text\":\"why\"}");
    }

    [Fact]
    public void Delta_ToolCall_NameOnFirstFragmentAndArgumentsInsteadOfText()
    {
        var first = Encoding.UTF8.GetString(LlmFrames.Delta("r1", null, 0, LlmStreamEvent.ToolCallDelta("call_1", "get_weather", string.Empty)));
        var next = Encoding.UTF8.GetString(LlmFrames.Delta("r1", null, 1, LlmStreamEvent.ToolCallDelta("call_1", null, "{\"a\":")));

        first.Should().Be("""{"type":"chat.delta","id":"r1","seq":0,"part":"tool_call","partId":"call_1","name":"get_weather","arguments":""}""");
        next.Should().Be("""{"type":"chat.delta","id":"r1","seq":1,"part":"tool_call","partId":"call_1","arguments":"{\u0022a\u0022:"}""");
    }

    [Fact]
    public void StreamEvent_DeltaForToolCall_Refused()
    {
        var act = () => LlmStreamEvent.Delta(LlmPartType.ToolCall, "call_1", "{}");

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
