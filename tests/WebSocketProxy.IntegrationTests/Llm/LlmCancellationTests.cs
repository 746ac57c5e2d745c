using System.Diagnostics;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmCancellationTests
{
    [Fact]
    public async Task ChatCancel_WhileWaitingForFirstToken_UpstreamAbortedWithin1s()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        var watch = Stopwatch.StartNew();
        await client.CancelAsync("r1", ct);
        await upstream.Aborted.WaitAsync(ct);
        var elapsed = watch.Elapsed;
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        frames.Should().ContainSingle();
        Type(frames[0]).Should().Be("chat.cancelled");
        frames[0].GetProperty("id").GetString().Should().Be("r1");
        frames[0].GetProperty("usage").GetProperty("estimated").GetBoolean().Should().BeTrue();
        frames[0].GetProperty("usage").GetProperty("input").GetInt32().Should().BeGreaterThan(0, "the prompt was sent, so its tokens are billed (estimated)");
    }

    [Fact]
    public async Task ChatCancel_MidStream_PartialUsageEstimatedAndUpstreamAborted()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var first = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Once upon a time\"},\"finish_reason\":null}]}\n\n");
            await context.Response.Body.WriteAsync(first, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        (await client.ReceiveAsync(ct)).GetProperty("type").GetString().Should().Be("chat.started");
        (await client.ReceiveAsync(ct)).GetProperty("text").GetString().Should().Be("Once upon a time");

        var watch = Stopwatch.StartNew();
        await client.CancelAsync("r1", ct);
        await upstream.Aborted.WaitAsync(ct);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        var cancelled = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(cancelled).Should().Be("chat.cancelled");
        var usage = cancelled.GetProperty("usage");
        usage.GetProperty("estimated").GetBoolean().Should().BeTrue();
        usage.GetProperty("output").GetInt32().Should().Be(4, "\"Once upon a time\" is 4 tokens to gpt-4o-mini's tokenizer");
    }

    [Fact]
    public async Task ClientDisconnect_WhileWaitingForFirstToken_UpstreamAbortedWithin1s()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        var watch = Stopwatch.StartNew();
        client.Socket.Abort();
        client.Dispose();
        await upstream.Aborted.WaitAsync(ct);

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ClientCloses_InFlightRequestCancelledAndUpstreamAborted()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        var watch = Stopwatch.StartNew();
        await client.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", ct);
        await upstream.Aborted.WaitAsync(ct);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        var cancelled = await client.ReceiveAsync(ct);
        var close = await client.Socket.ReceiveCloseAsync(ct);

        Type(cancelled).Should().Be("chat.cancelled");
        close.CloseStatus.Should().Be(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure);
    }

    [Fact]
    public async Task CancelUnknownId_Ignored()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.CancelAsync("nope", ct);
        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        frames.Should().OnlyContain(f => f.GetProperty("id").GetString() == "r1");
        Type(frames[^1]).Should().Be("chat.completed");
    }

    [Fact]
    public async Task ServerStopping_InFlightCancelledThenClosed1001()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        var stopping = gateway.App.StopAsync(ct);
        var cancelled = await client.ReceiveAsync(ct);
        var close = await client.Socket.ReceiveCloseAsync(ct);
        await client.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, ct);
        await stopping;

        Type(cancelled).Should().Be("chat.cancelled");
        close.CloseStatus.Should().Be(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable);
        await upstream.Aborted.WaitAsync(ct);
    }

    [Fact]
    public async Task ChatCancel_AnthropicReportedInput_KeptWhileOutputEstimated()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var head = Encoding.UTF8.GetBytes(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello there, friend\"}}\n\n");
            await context.Response.Body.WriteAsync(head, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "anthropic", upstream.BaseUrl + "/v1", WebSocketProxy.Llm.LlmAdapterNames.Anthropic));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await client.ReceiveAsync(ct);
        await client.ReceiveAsync(ct);

        await client.CancelAsync("r1", ct);
        var usage = (await client.ReceiveUntilTerminalAsync(ct)).Single().GetProperty("usage");

        usage.GetProperty("input").GetInt32().Should().Be(25, "a provider-reported figure is never replaced by an estimate");
        usage.GetProperty("output").GetInt32().Should().Be(19, "message_start's output_tokens (1) is a placeholder: the 19 characters streamed are bounded by their 19 UTF-8 bytes (no tokenizer is known for this model)");
        usage.GetProperty("estimated").GetBoolean().Should().BeTrue();
    }
}
