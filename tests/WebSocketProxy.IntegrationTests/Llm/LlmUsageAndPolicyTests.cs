using System.Collections.Concurrent;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

public sealed class LlmUsageAndPolicyTests
{
    [Fact]
    public async Task UsageSinkAndMetrics_RecordEachRequest()
    {
        var ct = Ws.Timeout();
        var sink = new CollectingSink();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "openai", upstream.BaseUrl + "/v1");
                o.Prices["gpt-4o-mini"] = new LlmPrice { InputPerMillion = 0.15m, OutputPerMillion = 0.6m };
            },
            services: s => s.TryAddEnumerable(ServiceDescriptor.Singleton<ILlmUsageSink>(sink)));
        var meters = gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        using var tokens = new MetricCollector<long>(meters, "WebSocketProxy", "websocket_proxy.llm.tokens");
        using var requests = new MetricCollector<long>(meters, "WebSocketProxy", "websocket_proxy.llm.requests");
        using var ttft = new MetricCollector<double>(meters, "WebSocketProxy", "websocket_proxy.llm.time_to_first_token");
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        await client.ReceiveUntilTerminalAsync(ct);
        await Eventually.HoldsAsync(() => !sink.Records.IsEmpty, ct);

        var record = sink.Records.Single();
        record.Outcome.Should().Be("completed");
        record.Model.Should().Be("gpt-4o-mini");
        record.Provider.Should().Be("openai");
        record.User.Should().StartWith("ip:");
        record.Usage.InputTokens.Should().Be(10);
        record.Usage.OutputTokens.Should().Be(5);
        record.EstimatedCost.Should().Be(((10 * 0.15m) + (5 * 0.6m)) / 1_000_000m);
        record.TimeToFirstToken.Should().NotBeNull();
        tokens.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(15);
        requests.GetMeasurementSnapshot().Single().Tags["outcome"].Should().Be("completed");
        ttft.GetMeasurementSnapshot().Should().ContainSingle();
    }

    [Fact]
    public async Task PromptPolicy_SystemPromptInjectedAndCapApplied_SeenUpstream()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "openai", upstream.BaseUrl + "/v1");
                o.Routes["chat"] = new LlmRouteConfig
                {
                    SystemPrompt = "You are the sample assistant.",
                    Templates = new Dictionary<string, string> { ["translate"] = "Translate to {{lang}}: {{text}}" },
                };
            },
            r => r.UseRoute("chat").WithMaxTokens(128).WithDefaultModel("gpt-4o-mini"));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync("""{"type":"chat.request","id":"t1","template":"translate","variables":{"lang":"French","text":"cat"}}""", ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[^1]).Should().Be("chat.completed");
        frames[0].GetProperty("model").GetString().Should().Be("gpt-4o-mini");
        using var body = JsonDocument.Parse(upstream.Requests.Single().Body);
        body.RootElement.GetProperty("max_tokens").GetInt32().Should().Be(128);
        var messages = body.RootElement.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        messages.Should().Equal(("system", "You are the sample assistant."), ("user", "Translate to French: cat"));
    }

    [Theory]
    [InlineData("""{"type":"chat.request","id":"x","model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", "Model 'gpt-4o' is not allowed on this route.")]
    [InlineData("""{"type":"chat.request","id":"x","model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"options":{"max_tokens":4096}}""", "max_tokens 4096 exceeds this route's cap of 128.")]
    [InlineData("""{"type":"chat.request","id":"x","model":"gpt-4o-mini","template":"nope"}""", "Unknown template 'nope'.")]
    [InlineData("""{"type":"chat.request","id":"x","messages":[{"role":"user","content":"hi"}]}""", "The request names no 'model' and the route has no default model.")]
    public async Task PromptPolicy_Rejections_BadRequestWithReason_NoUpstreamCall(string frame, string reason)
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"),
            r => r.AllowModels("gpt-4o-mini").WithMaxTokens(128));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(frame, ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        error.GetProperty("error").GetProperty("code").GetString().Should().Be("bad_request");
        error.GetProperty("error").GetProperty("message").GetString().Should().Be(reason);
        upstream.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task CustomAdapter_RegisteredByName_Used()
    {
        var ct = Ws.Timeout();
        await using var gateway = await TestGateway.StartAsync(
            _ => { },
            services => services.Configure<LlmOptions>(o => o.Providers["echo"] = new LlmProviderConfig { Type = "echo" }).AddWebSocketProxy().AddLlmStreamAdapter<EchoAdapter>("echo"),
            app => Microsoft.AspNetCore.Builder.LlmEndpointRouteBuilderExtensions.MapLlmWebSocket(app, "/llm", _ => { }));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", content: "ping"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Text(frames).Should().Be("ping");
        frames[^1].GetProperty("usage").GetProperty("estimated").GetBoolean().Should().BeTrue("the adapter reported no usage");
    }

    private sealed class CollectingSink : ILlmUsageSink
    {
        public ConcurrentQueue<LlmUsageRecord> Records { get; } = new();

        public ValueTask RecordAsync(LlmUsageRecord record, CancellationToken cancellationToken)
        {
            Records.Enqueue(record);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class EchoAdapter : ILlmStreamAdapter
    {
        public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return LlmStreamEvent.TextDelta(request.Messages[^1].Content);
            yield return LlmStreamEvent.Finished("stop");
        }
    }
}
