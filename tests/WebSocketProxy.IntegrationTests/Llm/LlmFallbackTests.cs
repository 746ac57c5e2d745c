using System.Text;
using FluentAssertions;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmFallbackTests
{
    [Fact]
    public async Task FirstProviderFailsBeforeStreaming_NextProviderServes()
    {
        var ct = Ws.Timeout();
        await using var broken = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"down\"}}"), "application/json", [8], 503));
        await using var overloaded = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(Encoding.UTF8.GetBytes("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"), "application/json", [8], 529));
        await using var healthy = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("ollama-chat-stream.ndjson"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", broken.BaseUrl + "/v1");
                AddProvider(o, "anthropic", overloaded.BaseUrl + "/v1", LlmAdapterNames.Anthropic);
                AddProvider(o, "local", healthy.BaseUrl, LlmAdapterNames.Ollama);
            },
            r => r.UseProviders("primary", "anthropic/claude-haiku", "local/llama3.2"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[0]).Should().Be("chat.started");
        frames[0].GetProperty("provider").GetString().Should().Be("local");
        frames[0].GetProperty("model").GetString().Should().Be("llama3.2");
        Text(frames).Should().Be("The sky is blue.");
        Type(frames[^1]).Should().Be("chat.completed");
        broken.Requests.Should().ContainSingle();
        overloaded.Requests.Should().ContainSingle();
        healthy.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task FirstProviderFailsAfterDelta_NoFallback_ChatError()
    {
        var ct = Ws.Timeout();
        await using var partial = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream-midstream-error.sse"));
        await using var backup = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", partial.BaseUrl + "/v1");
                AddProvider(o, "backup", backup.BaseUrl + "/v1");
            },
            r => r.UseProviders("primary", "backup"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Text(frames).Should().Be("Partial");
        Type(frames[^1]).Should().Be("chat.error");
        backup.Requests.Should().BeEmpty("a delta already reached the client");
    }

    [Fact]
    public async Task BadRequestFromProvider_NotRetriedElsewhere()
    {
        var ct = Ws.Timeout();
        await using var primary = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"context too long\"}}"), "application/json", [8], 400));
        await using var backup = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", primary.BaseUrl + "/v1");
                AddProvider(o, "backup", backup.BaseUrl + "/v1");
            });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("bad_request");
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(400);
        backup.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task NoProviderServesModel_BadRequest()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1", LlmAdapterNames.OpenAIChat, "gpt-4o-mini"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "claude"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("bad_request");
        upstream.Requests.Should().BeEmpty();
    }
}
