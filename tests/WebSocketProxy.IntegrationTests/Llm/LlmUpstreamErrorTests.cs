using System.Text;
using FluentAssertions;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmUpstreamErrorTests
{
    [Fact]
    public async Task OpenAI429_RateLimitedWithUpstreamStatusAndRetryAfter()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(
            "openai-429.json", status: 429, headers: new Dictionary<string, string> { ["retry-after"] = "42" }));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        var error = frames.Single();
        Type(error).Should().Be("chat.error");
        error.GetProperty("error").GetProperty("code").GetString().Should().Be("rate_limited");
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(429);
        error.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().Be(42_000);
    }

    [Fact]
    public async Task OpenAIInsufficientQuota_QuotaExceeded()
    {
        var ct = Ws.Timeout();
        var body = Encoding.UTF8.GetBytes("""{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "application/json", [64], 429));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("quota_exceeded");
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(429);
    }

    [Theory]
    [InlineData(400, "bad_request", "The model provider rejected the request.")]
    [InlineData(401, "upstream_error", "The model provider failed to answer.")]
    [InlineData(500, "upstream_error", "The model provider failed to answer.")]
    [InlineData(503, "upstream_error", "The model provider failed to answer.")]
    [InlineData(529, "upstream_error", "The model provider failed to answer.")]
    [InlineData(504, "timeout", "The model provider did not answer in time.")]
    public async Task HttpErrorBeforeStream_ChatErrorWithUpstreamStatus(int status, string code, string message)
    {
        var ct = Ws.Timeout();
        var body = Encoding.UTF8.GetBytes("""{"type":"error","error":{"type":"some_error","message":"upstream says no"}}""");
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "application/json", [5], status));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "anthropic", upstream.BaseUrl + "/v1", LlmAdapterNames.Anthropic));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(error).Should().Be("chat.error");
        error.GetProperty("error").GetProperty("code").GetString().Should().Be(code);
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(status);
        error.GetProperty("error").GetProperty("message").GetString().Should().Be(message, "the provider's own text goes to the log only");
    }

    [Theory]
    [InlineData("openai-chat-stream-midstream-error.sse", LlmAdapterNames.OpenAIChat, "Partial")]
    [InlineData("anthropic-messages-stream-error.sse", LlmAdapterNames.Anthropic, "Hel")]
    [InlineData("ollama-chat-stream-error.ndjson", LlmAdapterNames.Ollama, "The")]
    public async Task MidStreamErrorFrame_ChatErrorAfterDeltas_NeverSilentSuccess(string fixture, string type, string partial)
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(fixture));
        var baseUrl = type == LlmAdapterNames.Ollama ? upstream.BaseUrl : upstream.BaseUrl + "/v1";
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "p", baseUrl, type));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[0]).Should().Be("chat.started");
        Text(frames).Should().Be(partial);
        Type(frames[^1]).Should().Be("chat.error");
        frames[^1].GetProperty("error").GetProperty("code").GetString().Should().Be("upstream_error");
        frames.Should().NotContain(f => Type(f) == "chat.completed");
    }

    [Fact]
    public async Task UpstreamUnreachable_UpstreamError()
    {
        var ct = Ws.Timeout();
        var port = Loopback.UnusedPort();
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", $"http://127.0.0.1:{port}/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("upstream_error");
        error.GetProperty("error").TryGetProperty("upstreamStatus", out _).Should().BeFalse();
    }

    [Fact]
    public async Task ProviderTimeout_TimeoutError()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await StartGatewayAsync(o => o.Providers["slow"] = new LlmProviderConfig { BaseUrl = upstream.BaseUrl + "/v1", Timeout = TimeSpan.FromSeconds(1) });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("timeout");

        // Under load the timeout can pass before the request reached the provider; whenever it did, it was aborted.
        if (!upstream.Requests.IsEmpty)
        {
            await upstream.Aborted.WaitAsync(ct);
        }
    }
}
