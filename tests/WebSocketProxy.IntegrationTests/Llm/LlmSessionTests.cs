using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmSecurityTests;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Defects 2, 6, 9 and 11: shutdown drain, fan-out amplification, one terminal per id, clients that stop reading.</summary>
public sealed class LlmSessionTests
{
    [Fact]
    public async Task Shutdown_ClientThatNeverAnswersClose_AbortedWithinDrainTimeout()
    {
        // Defect 2: shutdown took 31.5 s with a 5 s drain timeout (LLM sockets were not in the drain).
        var ct = Ws.Timeout(30);
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await TestGateway.StartAsync(
            o => o.DrainTimeout = TimeSpan.FromSeconds(1),
            s => s.AddWebSocketProxy().AddLlm(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1")),
            app => Microsoft.AspNetCore.Builder.LlmEndpointRouteBuilderExtensions.MapLlmWebSocket(app, "/llm", _ => { }));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        // The client reads nothing and never answers the close frame.
        var watch = Stopwatch.StartNew();
        await gateway.App.StopAsync(ct);

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        await upstream.Aborted.WaitAsync(ct);
    }

    [Fact]
    public async Task Shutdown_CooperatingClient_CancelledThen1001()
    {
        var ct = Ws.Timeout(30);
        await using var upstream = await LoopbackUpstream.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        await using var gateway = await TestGateway.StartAsync(
            o => o.DrainTimeout = TimeSpan.FromSeconds(5),
            s => s.AddWebSocketProxy().AddLlm(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1")),
            app => Microsoft.AspNetCore.Builder.LlmEndpointRouteBuilderExtensions.MapLlmWebSocket(app, "/llm", _ => { }));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        var stopping = gateway.App.StopAsync(ct);
        var cancelled = (await client.ReceiveUntilTerminalAsync(ct)).Single();
        var close = await client.Socket.ReceiveMessageAsync(ct);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await stopping;

        Type(cancelled).Should().Be("chat.cancelled");
        close.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task FanOut_CaseVariantsOfOneModel_OneUpstreamCall()
    {
        // Defect 6: 64 case variants of one allowed model gave 30 parallel upstream calls.
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1", models: "gpt-4o-mini"), route => route.AllowModels("gpt-4o-mini"));
        using var client = await ConnectAsync(gateway, ct);
        var variants = string.Join(",", Enumerable.Range(0, 64).Select(i => "\"" + new string("gpt-4o-mini".Select((c, j) => ((i >> (j % 6)) & 1) == 1 ? char.ToUpperInvariant(c) : c).ToArray()) + "\""));

        await client.SendAsync($$"""{"type":"chat.request","id":"f1","models":[{{variants}}],"messages":[{"role":"user","content":"hi"}]}""", ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(frames[^1]).Should().Be("chat.completed");
        frames[^1].GetProperty("model").GetString().Should().Be("gpt-4o-mini", "the configured spelling");
        upstream.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task FanOut_EachStreamCountsAgainstMaxConcurrentRequests()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.MaxConcurrentRequests = 2;
        });
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync("""{"type":"chat.request","id":"f1","models":["a","b","c"],"messages":[{"role":"user","content":"hi"}]}""", ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        ErrorCode(refused).Should().Be("rate_limited");
        upstream.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"type":"chat.bogus","id":"r1"}""")]
    [InlineData("""{"type":"chat.request","id":"r1","messages":"not an array"}""")]
    [InlineData("""{"type":"chat.request","id":"r1","model":"m","messages":[{"role":"user","content":"again"}]}""")]
    public async Task MessageReusingRunningId_ErrorWithNullId_RunningRequestGetsOneTerminal(string second)
    {
        // Defect 9: an unknown type, a malformed request or a refusal with a running request's id sent chat.error for that id.
        var ct = Ws.Timeout();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var body = LlmFixtures.Read("openai-chat-stream.sse");
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
            await LoopbackUpstream.Replay(body, "text/event-stream", [64])(context);
        });
        await using var gateway = await StartGatewayAsync(o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"));
        using var client = await ConnectAsync(gateway, ct);
        await client.SendAsync(Request("r1"), ct);
        await upstream.Received.WaitAsync(ct);

        await client.SendAsync(second, ct);
        var refusal = await client.ReceiveAsync(ct);
        release.SetResult();
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        Type(refusal).Should().Be("chat.error");
        refusal.GetProperty("id").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        frames.Count(IsTerminal).Should().Be(1);
        Type(frames[^1]).Should().Be("chat.completed");
        frames[^1].GetProperty("id").GetString().Should().Be("r1");
    }

    [Fact]
    public async Task ClientStopsReading_RequestCancelledUpstreamAbortedReservationSettled()
    {
        // Defect 11: producers waited on a full outbox without a timeout; neither cancel nor timeouts freed the request.
        var ct = Ws.Timeout(30);
        var chunk = Encoding.UTF8.GetBytes("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + new string('x', 8192) + "\"},\"finish_reason\":null}]}\n\n");
        await using var upstream = await LoopbackUpstream.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        var sink = new CollectingSink();
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "openai", upstream.BaseUrl + "/v1");
                o.SendTimeout = TimeSpan.FromMilliseconds(500);
                o.OutboxCapacity = 4;
                o.Budgets = new LlmBudgetConfig { TokensPerMinute = 1_000_000 };
            },
            services: s => s.AddSingleton<ILlmUsageSink>(sink));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", options: """{"max_tokens":100}"""), ct);

        // The client never reads again.
        await upstream.Aborted.WaitAsync(ct);
        await WaitUntilAsync(() => !sink.Records.IsEmpty, ct);
        sink.Records.Single().Outcome.Should().Be("cancelled");
        sink.Records.Single().Usage.OutputTokens.Should().BeLessThanOrEqualTo(100, "the estimate never exceeds the max_tokens the provider was sent");
    }
}
