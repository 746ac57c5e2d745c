using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Defect 10: what the cache may store, whom it may serve, and that it never holds back the terminal frame.</summary>
public sealed class LlmCacheScopeTests
{
    private const string Zero = """{"temperature":0}""";

    [Fact]
    public async Task AnotherClient_SameRequest_NotServedFromTheFirstClientsCache()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.ApiKeys["a"] = new LlmApiKeyConfig { Sha256 = LlmApiKeyStore.Hash("key-a") };
            o.ApiKeys["b"] = new LlmApiKeyConfig { Sha256 = LlmApiKeyStore.Hash("key-b") };
        });
        using var a = new LlmSecurityTests.LlmTestClientWithKey(await Ws.ConnectAsync(gateway.Ws("/llm"), ct, o => o.SetRequestHeader("X-Api-Key", "key-a")));
        using var b = new LlmSecurityTests.LlmTestClientWithKey(await Ws.ConnectAsync(gateway.Ws("/llm"), ct, o => o.SetRequestHeader("X-Api-Key", "key-b")));

        await a.Socket.SendTextAsync(Request("a1", options: Zero), ct);
        await a.UntilTerminalAsync(ct);
        await b.Socket.SendTextAsync(Request("b1", options: Zero), ct);
        await b.UntilTerminalAsync(ct);
        await a.Socket.SendTextAsync(Request("a2", options: Zero), ct);
        await a.UntilTerminalAsync(ct);

        upstream.Requests.Should().HaveCount(2, "b has its own cache scope; a's second request is a hit");
    }

    [Fact]
    public async Task FallbackAnswer_NotCached()
    {
        var ct = Ws.Timeout();
        await using var broken = await LoopbackUpstream.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        await using var fallback = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", broken.BaseUrl + "/v1");
                AddProvider(o, "backup", fallback.BaseUrl + "/v1");
            },
            route => route.UseProviders("primary", "backup"));
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync(Request("r" + i, "gpt-4o-mini", options: Zero), ct);
            var frames = await client.ReceiveUntilTerminalAsync(ct);
            frames[0].GetProperty("cache").GetString().Should().Be("miss", "the key is the first target's; the backup's answer is never stored under it");
            frames[0].GetProperty("provider").GetString().Should().Be("backup");
        }

        fallback.Requests.Should().HaveCount(2);
    }

    [Theory]
    [InlineData("")]
    [InlineData("refusal")]
    public async Task EmptyOrRefusedAnswer_NotCached(string kind)
    {
        var ct = Ws.Timeout();
        var body = kind == "refusal"
            ? LlmFixtures.Read("openai-chat-stream-refusal.sse")
            : LoopbackUpstream.OpenAIChatStream([]);
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(body, "text/event-stream", [64]));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);

        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync(Request("r" + i, options: Zero), ct);
            var frames = await client.ReceiveUntilTerminalAsync(ct);
            Type(frames[^1]).Should().Be("chat.completed");
        }

        upstream.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task HungDistributedCacheWrite_CompletedNotHeldBack()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        var hung = new HungDistributedCache();
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"), services: s => s.AddSingleton<IDistributedCache>(hung));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: Zero), ct);
        var frames = await client.ReceiveUntilTerminalAsync(Ws.Timeout(5));

        Type(frames[^1]).Should().Be("chat.completed");
        await hung.WriteStarted.Task.WaitAsync(ct);
    }

    private sealed class HungDistributedCache : IDistributedCache
    {
        public TaskCompletionSource WriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public byte[]? Get(string key) => null;

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult<byte[]?>(null);

        public void Refresh(string key)
        {
        }

        public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Remove(string key)
        {
        }

        public Task RemoveAsync(string key, CancellationToken token = default) => Task.CompletedTask;

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            WriteStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
        }
    }
}
