using System.Diagnostics;
using System.Runtime.CompilerServices;
using FluentAssertions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmChatClientAdapterTests
{
    [Fact]
    public async Task ChatClient_StreamsDeltasUsageAndCompletes()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(token => FakeChatClient.Words(["One", " two", " three"], token));
        await using var gateway = await StartAsync(chat, r => r.WithSystemPrompt("Be kind.").WithMaxTokens(50));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "my-model", options: """{"temperature":0.2}"""), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[0]).Should().Be("chat.started");
        frames[0].GetProperty("provider").GetString().Should().Be("mai");
        Text(frames).Should().Be("One two three");
        var usage = frames[^1].GetProperty("usage");
        usage.GetProperty("input").GetInt32().Should().Be(12);
        usage.GetProperty("output").GetInt32().Should().Be(3);
        usage.GetProperty("estimated").GetBoolean().Should().BeFalse();
        chat.LastOptions!.ModelId.Should().Be("my-model");
        chat.LastOptions.MaxOutputTokens.Should().Be(50);
        chat.LastOptions.Temperature.Should().BeApproximately(0.2f, 0.0001f);
        chat.LastMessages.Select(m => (m.Role.Value, m.Text)).Should().Equal(("system", "Be kind."), ("user", "Hello"));
    }

    [Fact]
    public async Task ChatClient_CancelWhileWaitingForFirstToken_TokenCancelledWithin1s()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(Forever);
        await using var gateway = await StartAsync(chat);
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await chat.Called.WaitAsync(ct);

        var watch = Stopwatch.StartNew();
        await client.CancelAsync("r1", ct);
        await chat.Cancelled.WaitAsync(ct);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
        var cancelled = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        Type(cancelled).Should().Be("chat.cancelled");
        cancelled.GetProperty("usage").GetProperty("estimated").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task ChatClient_ErrorContentMidStream_ChatError()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(token => Failing(token));
        await using var gateway = await StartAsync(chat);
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Text(frames).Should().Be("Half");
        Type(frames[^1]).Should().Be("chat.error");
        frames[^1].GetProperty("error").GetProperty("message").GetString().Should().Be("The model provider failed to answer.", "the provider's own text goes to the log only");
    }

    [Fact]
    public async Task ChatClient_ThrowsBeforeStreaming_UpstreamError()
    {
        var ct = Ws.Timeout();
        var chat = new FakeChatClient(_ => throw new HttpRequestException("boom", null, System.Net.HttpStatusCode.BadGateway));
        await using var gateway = await StartAsync(chat);
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("upstream_error");
        error.GetProperty("error").GetProperty("upstreamStatus").GetInt32().Should().Be(502);
    }

    private static Task<TestGateway> StartAsync(FakeChatClient chat, Action<LlmRouteBuilder>? route = null)
        => StartGatewayAsync(
            o => o.Providers["mai"] = new LlmProviderConfig { Type = LlmAdapterNames.ChatClient },
            route,
            services => services.AddKeyedSingleton<IChatClient>("mai", chat));

    private static async IAsyncEnumerable<ChatResponseUpdate> Forever([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        yield break;
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Failing([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        yield return new ChatResponseUpdate(ChatRole.Assistant, "Half");
        cancellationToken.ThrowIfCancellationRequested();
        yield return new ChatResponseUpdate { Contents = [new ErrorContent("model crashed") { ErrorCode = "crash" }] };
    }
}
