using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Retries that respect providers: cooldown after 429 honouring Retry-After, spreading over deployments.</summary>
public sealed class LlmDeploymentTests
{
    [Fact]
    public async Task RateLimitedDeployment_CooledDownForRetryAfter_OtherDeploymentServes()
    {
        var ct = Ws.Timeout();
        await using var limited = await LoopbackUpstream.StartAsync(RateLimited("30"));
        await using var healthy = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => o.Providers["openai"] = new LlmProviderConfig
        {
            Deployments = [new LlmDeploymentConfig { BaseUrl = limited.BaseUrl + "/v1", ApiKey = "sk-a" }, new LlmDeploymentConfig { BaseUrl = healthy.BaseUrl + "/v1", ApiKey = "sk-b" }],
        });
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 4; i++)
        {
            await client.SendAsync(Request("r" + i), ct);
            Type((await client.ReceiveUntilTerminalAsync(ct))[^1]).Should().Be("chat.completed");
        }

        limited.Requests.Should().HaveCountLessThanOrEqualTo(1, "after its 429 the deployment rests for the 30 s it asked for");
        healthy.Requests.Should().HaveCount(4);
        healthy.Requests.Select(r => r.Headers["Authorization"]).Should().OnlyContain(h => h == "Bearer sk-b", "each deployment has its own key");
    }

    [Fact]
    public async Task OnlyDeploymentCoolingDown_RefusedWithRemainingWait_NoProviderCall()
    {
        var ct = Ws.Timeout();
        await using var limited = await LoopbackUpstream.StartAsync(RateLimited("30"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", limited.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var first = (await client.ReceiveUntilTerminalAsync(ct)).Single();
        await client.SendAsync(Request("r2"), ct);
        var second = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        ErrorCode(first).Should().Be("rate_limited");
        first.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().Be(30_000);
        ErrorCode(second).Should().Be("rate_limited");
        second.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().BeInRange(1, 30_000);
        limited.Requests.Should().ContainSingle("the cooling deployment is not called again before its Retry-After");
    }

    [Fact]
    public async Task TwoHealthyDeployments_LoadSpread()
    {
        var ct = Ws.Timeout(30);
        await using var a = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse", chunkSizes: [256]));
        await using var b = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse", chunkSizes: [256]));
        await using var gateway = await StartGatewayAsync(o => o.Providers["openai"] = new LlmProviderConfig
        {
            Deployments = [new LlmDeploymentConfig { BaseUrl = a.BaseUrl + "/v1" }, new LlmDeploymentConfig { BaseUrl = b.BaseUrl + "/v1" }],
        });
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(Request("r" + i), ct);
            await client.ReceiveUntilTerminalAsync(ct);
        }

        a.Requests.Should().NotBeEmpty();
        b.Requests.Should().NotBeEmpty();
        (a.Requests.Count + b.Requests.Count).Should().Be(20);
    }

    [Fact]
    public async Task RateLimitedWithOnlyXRateLimitReset_CooledDownForThatLong_NoProviderCall()
    {
        var ct = Ws.Timeout();
        await using var limited = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(
            "openai-429.json", status: 429, headers: new Dictionary<string, string> { ["x-ratelimit-reset-requests"] = "45s", ["x-ratelimit-remaining-requests"] = "0" }));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", limited.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var first = (await client.ReceiveUntilTerminalAsync(ct)).Single();
        await client.SendAsync(Request("r2"), ct);
        var second = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        first.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().Be(45_000, "OpenAI's x-ratelimit-reset-requests stands in for a missing Retry-After");
        ErrorCode(second).Should().Be("rate_limited");
        second.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().BeInRange(30_000, 45_000);
        limited.Requests.Should().ContainSingle("the deployment rests for the reset it announced");
    }

    [Fact]
    public async Task SuccessfulAnswerWithNoRequestsRemaining_DeploymentRestsUntilTheReset_BeforeAny429()
    {
        var ct = Ws.Timeout();
        await using var exhausted = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture(
            "openai-chat-stream.sse", headers: new Dictionary<string, string> { ["x-ratelimit-remaining-requests"] = "0", ["x-ratelimit-reset-requests"] = "20s", ["x-ratelimit-remaining-tokens"] = "149000" }));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", exhausted.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var first = await client.ReceiveUntilTerminalAsync(ct);
        await client.SendAsync(Request("r2"), ct);
        var second = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(first[^1]).Should().Be("chat.completed", "the answer itself is fine");
        ErrorCode(second).Should().Be("rate_limited");
        second.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().BeInRange(10_000, 20_000);
        exhausted.Requests.Should().ContainSingle("the provider said it had no requests left for 20 s; asking again would only earn a 429");
    }

    [Fact]
    public async Task TwoDeployments_SecondConcurrentRequest_GoesToTheLeastBusy()
    {
        var ct = Ws.Timeout();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<HttpContext, Task> held = async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await LoopbackUpstream.ReplayFixture("openai-chat-stream.sse")(context);
        };
        await using var a = await LoopbackUpstream.StartAsync(held);
        await using var b = await LoopbackUpstream.StartAsync(held);
        await using var gateway = await StartGatewayAsync(o => o.Providers["openai"] = new LlmProviderConfig
        {
            Deployments = [new LlmDeploymentConfig { BaseUrl = a.BaseUrl + "/v1" }, new LlmDeploymentConfig { BaseUrl = b.BaseUrl + "/v1" }],
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        await LlmSecurityTests.WaitUntilAsync(() => a.Requests.Count + b.Requests.Count == 1, ct);
        await client.SendAsync(Request("r2"), ct);
        await LlmSecurityTests.WaitUntilAsync(() => a.Requests.Count + b.Requests.Count == 2, ct);
        var (busyA, busyB) = (a.Requests.Count, b.Requests.Count);
        release.SetResult();
        var frames = await client.ReceiveUntilTerminalsAsync(2, ct);

        (busyA, busyB).Should().Be((1, 1), "the second request avoids the deployment still busy with the first");
        frames.Where(IsTerminal).Should().OnlyContain(f => Type(f) == "chat.completed");
    }

    private static Func<HttpContext, Task> RateLimited(string retryAfter) => async context =>
    {
        context.Response.StatusCode = 429;
        context.Response.Headers.RetryAfter = retryAfter;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""", context.RequestAborted);
    };
}
