using System.Text;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Money in every terminal frame, defect 8 on a mid-stream error, per-model request shaping and the fan-out cap.</summary>
public sealed class LlmMoneyAndShapingTests
{
    [Fact]
    public async Task Cost_InCompletedErrorAndCancelledFrames_FromThePriceTable()
    {
        var ct = Ws.Timeout();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            var body = (string)context.Items[LoopbackUpstream.BodyItem]!;
            if (body.Contains("break", StringComparison.Ordinal))
            {
                await LoopbackUpstream.ReplayFixture("openai-chat-stream-midstream-error.sse")(context);
            }
            else if (body.Contains("hold", StringComparison.Ordinal))
            {
                await hold.Task.WaitAsync(context.RequestAborted);
            }
            else
            {
                await LoopbackUpstream.ReplayFixture("openai-chat-stream.sse")(context);
            }
        });
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Prices["m"] = new LlmPrice { InputPerMillion = 1000, OutputPerMillion = 2000 };
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("ok"), ct);
        var completed = (await client.ReceiveUntilTerminalAsync(ct))[^1];
        await client.SendAsync(Request("broken", content: "break"), ct);
        var failed = (await client.ReceiveUntilTerminalAsync(ct))[^1];
        await client.SendAsync(Request("held", content: "hold"), ct);
        await LlmSecurityTests.WaitUntilAsync(() => upstream.Requests.Count == 3, ct);
        await client.CancelAsync("held", ct);
        var cancelled = (await client.ReceiveUntilTerminalAsync(ct))[^1];

        Type(completed).Should().Be("chat.completed");
        completed.GetProperty("cost").GetDecimal().Should().Be(0.02m, "10 input tokens at 1000/M and 5 output tokens at 2000/M");
        Type(failed).Should().Be("chat.error");
        failed.GetProperty("cost").GetDecimal().Should().Be(CostOf(failed.GetProperty("usage"))).And.BeGreaterThan(0);
        Type(cancelled).Should().Be("chat.cancelled");
        cancelled.GetProperty("cost").GetDecimal().Should().Be(CostOf(cancelled.GetProperty("usage")));
        cancelled.GetProperty("usage").GetProperty("estimated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task AnthropicErrorAfterText_OutputEstimatedFromWhatStreamed_NotThePlaceholderToken()
    {
        var ct = Ws.Timeout();
        var text = string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 8));
        var body = new StringBuilder()
            .Append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-20250514\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n")
            .Append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        foreach (var word in text.Split(' '))
        {
            body.Append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":" + JsonSerializer.Serialize(word + " ") + "}}\n\n");
        }

        body.Append("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(Encoding.UTF8.GetBytes(body.ToString()), "text/event-stream", [512]));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "anthropic", upstream.BaseUrl + "/v1", LlmAdapterNames.Anthropic));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "claude-sonnet-4"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var error = frames[^1];
        Type(error).Should().Be("chat.error");
        Text(frames).Should().NotBeEmpty();
        var usage = error.GetProperty("usage");
        usage.GetProperty("input").GetInt32().Should().Be(25, "the reported input is kept");
        usage.GetProperty("output").GetInt32().Should().BeGreaterThan(40, "about 80 words streamed; message_start's output_tokens: 1 is a placeholder");
        usage.GetProperty("estimated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task ReasoningModel_MaxCompletionTokensSent_TemperatureRefusedWithoutProviderCall()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "o3-mini", options: """{"max_tokens":50}"""), ct);
        var served = await client.ReceiveUntilTerminalAsync(ct);
        await client.SendAsync(Request("r2", "o3-mini", options: """{"temperature":0.2}"""), ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(served[^1]).Should().Be("chat.completed");
        var sent = JsonDocument.Parse(upstream.Requests.Single().Body).RootElement;
        sent.GetProperty("max_completion_tokens").GetInt32().Should().Be(50);
        sent.TryGetProperty("max_tokens", out _).Should().BeFalse("o-series models refuse max_tokens");
        ErrorCode(refused).Should().Be("bad_request");
        upstream.Requests.Should().ContainSingle("a shaping rule broken is refused before the call");
    }

    [Fact]
    public async Task MoreModelsThanMaxModelsPerRequest_BadRequest_NoProviderCall()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync("""{"type":"chat.request","id":"r1","models":["a","b","c","d","e"],"messages":[{"role":"user","content":"Hi"}]}""", ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        ErrorCode(refused).Should().Be("bad_request");
        refused.GetProperty("id").GetString().Should().Be("r1");
        upstream.Requests.Should().BeEmpty();
    }

    private static decimal CostOf(JsonElement usage)
        => ((usage.GetProperty("input").GetInt32() * 1000m) + (usage.GetProperty("output").GetInt32() * 2000m)) / 1_000_000m;
}
