using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmProtocolTests
{
    [Fact]
    public async Task Request_OpenAIFixtureInAwkwardChunks_StartedOrderedDeltasCompleted()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        client.Socket.SubProtocol.Should().Be("llm.v1");
        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[0]).Should().Be("chat.started");
        frames[0].GetProperty("id").GetString().Should().Be("r1");
        frames[0].GetProperty("model").GetString().Should().Be("gpt-4o-mini");
        frames[0].GetProperty("provider").GetString().Should().Be("openai");
        frames[0].GetProperty("cache").GetString().Should().Be("miss");
        var deltas = frames.Where(f => Type(f) == "chat.delta").ToList();
        deltas.Select(d => d.GetProperty("seq").GetInt64()).Should().Equal(Enumerable.Range(0, deltas.Count).Select(i => (long)i));
        Text(frames).Should().Be("Hi, how are you?");
        var completed = frames[^1];
        Type(completed).Should().Be("chat.completed");
        completed.GetProperty("finishReason").GetString().Should().Be("stop");
        var usage = completed.GetProperty("usage");
        usage.GetProperty("input").GetInt32().Should().Be(10);
        usage.GetProperty("output").GetInt32().Should().Be(5);
        usage.GetProperty("cached").GetInt32().Should().Be(0);
        usage.GetProperty("total").GetInt32().Should().Be(15);
        usage.GetProperty("estimated").GetBoolean().Should().BeFalse();
        upstream.Requests.Single().Headers["Authorization"].Should().Be("Bearer sk-openai", "the key comes from configuration");

        // Nothing more for r1: the next frames belong to r2 only.
        await client.SendAsync(Request("r2"), ct);
        var next = await client.ReceiveUntilTerminalAsync(ct);
        next.Should().OnlyContain(f => f.GetProperty("id").GetString() == "r2");
    }

    [Theory]
    [InlineData("anthropic-messages-stream.sse", LlmAdapterNames.Anthropic, "Hello!", 25, 15)]
    [InlineData("ollama-chat-stream.ndjson", LlmAdapterNames.Ollama, "The sky is blue.", 26, 282)]
    [InlineData("openai-responses-stream.sse", LlmAdapterNames.OpenAIResponses, "Greetings, hello, hi, hey, salutations!", 13, 12)]
    public async Task Request_EachProviderFormat_UsageNormalised(string fixture, string type, string text, int input, int output)
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(fixture));
        var baseUrl = type == LlmAdapterNames.Ollama ? upstream.BaseUrl : upstream.BaseUrl + "/v1";
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "p", baseUrl, type));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Text(frames).Should().Be(text);
        var usage = frames[^1].GetProperty("usage");
        usage.GetProperty("input").GetInt32().Should().Be(input);
        usage.GetProperty("output").GetInt32().Should().Be(output);
        usage.GetProperty("total").GetInt32().Should().Be(input + output);
        usage.GetProperty("estimated").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public async Task ConcurrentRequests_OneSocket_EachIdOrderedWithExactlyOneTerminal()
    {
        var ct = Ws.Timeout(30);
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse", chunkSizes: [1]));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        var ids = Enumerable.Range(1, 6).Select(i => "r" + i).ToList();
        foreach (var id in ids)
        {
            await client.SendAsync(Request(id), ct);
        }

        var frames = await client.ReceiveUntilTerminalsAsync(ids.Count, ct);

        foreach (var id in ids)
        {
            var mine = frames.Where(f => f.GetProperty("id").GetString() == id).ToList();
            Type(mine[0]).Should().Be("chat.started");
            mine.Count(IsTerminal).Should().Be(1);
            IsTerminal(mine[^1]).Should().BeTrue("the terminal frame is the last for its id");
            Type(mine[^1]).Should().Be("chat.completed");
            mine.Where(f => Type(f) == "chat.delta").Select(f => f.GetProperty("seq").GetInt64()).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
            Text(mine).Should().Be("Hi, how are you?");
        }

        upstream.Requests.Should().HaveCount(ids.Count);
    }

    [Fact]
    public async Task FanOut_Models_EachFrameTaggedWithModel()
    {
        var ct = Ws.Timeout();
        await using var a = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var b = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("anthropic-messages-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", a.BaseUrl + "/v1", LlmAdapterNames.OpenAIChat, "gpt-4o-mini");
            AddProvider(o, "anthropic", b.BaseUrl + "/v1", LlmAdapterNames.Anthropic, "claude-haiku");
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync("""{"type":"chat.request","id":"f1","models":["gpt-4o-mini","claude-haiku"],"messages":[{"role":"user","content":"hi"}]}""", ct);
        var frames = await client.ReceiveUntilTerminalsAsync(2, ct);

        frames.Should().OnlyContain(f => f.GetProperty("model").GetString() != null && f.GetProperty("id").GetString() == "f1");
        Text(frames.Where(f => f.GetProperty("model").GetString() == "gpt-4o-mini")).Should().Be("Hi, how are you?");
        Text(frames.Where(f => f.GetProperty("model").GetString() == "claude-haiku")).Should().Be("Hello!");
        frames.Where(IsTerminal).Select(f => Type(f)).Should().Equal("chat.completed", "chat.completed");
        frames.Single(f => Type(f) == "chat.started" && f.GetProperty("model").GetString() == "claude-haiku").GetProperty("provider").GetString().Should().Be("anthropic");
    }

    [Theory]
    [InlineData("not json at all", null, "bad_request")]
    [InlineData("""{"type":"chat.bogus","id":"x"}""", "x", "bad_request")]
    [InlineData("""{"type":"chat.request","id":"x","model":"m"}""", "x", "bad_request")]
    [InlineData("""{"type":"chat.request","model":"m","messages":[{"role":"user","content":"hi"}]}""", null, "bad_request")]
    [InlineData("""{"type":"chat.request","id":"x","model":"m","messages":[{"role":"robot","content":"hi"}]}""", "x", "bad_request")]
    [InlineData("""{"type":"chat.request","id":"x","model":"m","messages":[{"role":"user","content":"hi"}],"options":{"temperature":7}}""", "x", "bad_request")]
    public async Task BadFrames_ChatErrorBadRequest_SocketStaysOpen(string frame, string? id, string code)
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(frame, ct);
        var error = await client.ReceiveAsync(ct);

        Type(error).Should().Be("chat.error");
        (error.GetProperty("id").ValueKind == JsonValueKind.Null ? null : error.GetProperty("id").GetString()).Should().Be(id);
        error.GetProperty("error").GetProperty("code").GetString().Should().Be(code);
        error.GetProperty("error").GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        upstream.Requests.Should().BeEmpty();

        await client.SendAsync(Request("ok"), ct);
        Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.completed");
    }

    [Fact]
    public async Task BinaryFrame_Closed1003()
    {
        var ct = Ws.Timeout();
        await using var gateway = await StartGatewayAsync(_ => { });
        using var client = await ConnectAsync(gateway, ct);

        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, ct);
        var close = await client.Socket.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.InvalidMessageType);
    }

    [Fact]
    public async Task OversizedMessage_Closed1009()
    {
        var ct = Ws.Timeout();
        await using var gateway = await StartGatewayAsync(o => o.MaxMessageBytes = 1024);
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("big", content: new string('x', 5000)), ct);
        var close = await client.Socket.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task NotAWebSocketRequest_400()
    {
        var ct = Ws.Timeout();
        await using var gateway = await StartGatewayAsync(_ => { });
        using var http = new HttpClient();

        var response = await http.GetAsync(gateway.Http("/llm"), ct);

        ((int)response.StatusCode).Should().Be(400);
    }

    [Fact]
    public async Task WrongSubprotocol_400()
    {
        var ct = Ws.Timeout();
        await using var gateway = await StartGatewayAsync(_ => { });

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct, o => o.AddSubProtocol("chat.v2"));

        status.Should().Be(400);
    }

    [Fact]
    public async Task NoSubprotocolOffered_Accepted()
    {
        var ct = Ws.Timeout();
        await using var gateway = await StartGatewayAsync(_ => { });

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/llm"), ct);

        status.Should().Be(101);
    }

    [Fact]
    public async Task DuplicateInFlightId_Refused()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("dup"), ct);
        await upstream.Received.WaitAsync(ct);
        await client.SendAsync(Request("dup"), ct);
        var error = await client.ReceiveAsync(ct);

        Type(error).Should().Be("chat.error");
        error.GetProperty("id").ValueKind.Should().Be(JsonValueKind.Null, "the in-flight request keeps its single terminal frame");
        error.GetProperty("error").GetProperty("message").GetString().Should().Contain("already in flight");
        await client.CancelAsync("dup", ct);
        Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.cancelled");
    }

    [Fact]
    public async Task TooManyInFlight_RateLimited()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.MaxConcurrentRequests = 1;
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("a"), ct);
        await upstream.Received.WaitAsync(ct);
        await client.SendAsync(Request("b"), ct);
        var error = await client.ReceiveAsync(ct);

        error.GetProperty("id").GetString().Should().Be("b");
        error.GetProperty("error").GetProperty("code").GetString().Should().Be("rate_limited");
    }

    [Fact]
    public async Task Map_WithoutAddWebSocketProxy_ThrowsNamingTheCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var act = () => app.MapLlmWebSocket("/llm", _ => { });

        act.Should().Throw<InvalidOperationException>().WithMessage("*AddWebSocketProxy*");
    }

    [Fact]
    public async Task Map_UnknownAdapterAndProvider_ThrowsWithEveryError()
    {
        var act = () => StartGatewayAsync(
            o => o.Providers["x"] = new LlmProviderConfig { Type = "nope", BaseUrl = "ftp://x" },
            r => r.UseProviders("x", "missing"));

        var ex = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        ex.Message.Should().Contain("WebSocketProxy:Llm:Providers:x:Type 'nope'")
            .And.Contain("WebSocketProxy:Llm:Providers:x:BaseUrl")
            .And.Contain("unknown provider 'missing'");
    }
}
