using FluentAssertions;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmCacheTests
{
    [Fact]
    public async Task TemperatureZero_SecondRequestReplayedFromCacheAsDeltas()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: """{"temperature":0}"""), ct);
        var live = await client.ReceiveUntilTerminalAsync(ct);
        await client.SendAsync(Request("r2", options: """{"temperature":0}"""), ct);
        var cached = await client.ReceiveUntilTerminalAsync(ct);

        live[0].GetProperty("cache").GetString().Should().Be("miss");
        cached[0].GetProperty("cache").GetString().Should().Be("hit");
        cached.Where(f => Type(f) == "chat.delta").Should().HaveCount(live.Count(f => Type(f) == "chat.delta"), "a hit is replayed delta by delta, not as one lump");
        Text(cached).Should().Be("Hi, how are you?");
        Type(cached[^1]).Should().Be("chat.completed");
        upstream.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task NonZeroTemperature_NotCached_UnlessOptedIn()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync(Request("t" + i, options: """{"temperature":0.7}"""), ct);
            (await client.ReceiveUntilTerminalAsync(ct))[0].GetProperty("cache").GetString().Should().Be("miss");
        }

        await client.SendAsync(Request("o1", options: """{"temperature":0.7,"cache":true}"""), ct);
        (await client.ReceiveUntilTerminalAsync(ct))[0].GetProperty("cache").GetString().Should().Be("miss");
        await client.SendAsync(Request("o2", options: """{"temperature":0.7,"cache":true}"""), ct);
        (await client.ReceiveUntilTerminalAsync(ct))[0].GetProperty("cache").GetString().Should().Be("hit");
        upstream.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task LengthTruncatedAnswer_NeverCached()
    {
        var ct = Ws.Timeout();
        var body = LoopbackUpstream.OpenAIChatStream(["cut", " off"], finishReason: "length");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", LoopbackUpstream.AwkwardChunks));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync(Request("r" + i, options: """{"temperature":0}"""), ct);
            var frames = await client.ReceiveUntilTerminalAsync(ct);
            frames[0].GetProperty("cache").GetString().Should().Be("miss");
            frames[^1].GetProperty("finishReason").GetString().Should().Be("length");
        }

        upstream.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task ErroredAnswer_NeverCached()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-midstream-error.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync(Request("r" + i, options: """{"temperature":0}"""), ct);
            Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.error");
        }

        upstream.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task CancelledAnswer_NeverCached()
    {
        var ct = Ws.Timeout();
        var calls = 0;
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            await LoopbackUpstream.ReplayFixture("openai-chat-stream.sse")(context);
        });
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: """{"temperature":0}"""), ct);
        await upstream.Received.WaitAsync(ct);
        await client.CancelAsync("r1", ct);
        Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.cancelled");
        await client.SendAsync(Request("r2", options: """{"temperature":0}"""), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        frames[0].GetProperty("cache").GetString().Should().Be("miss");
        upstream.Requests.Should().HaveCount(2);
    }
}
