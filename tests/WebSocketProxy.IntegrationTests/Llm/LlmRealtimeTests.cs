using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using WebSocketProxy.Model;
using static WebSocketProxy.IntegrationTests.Llm.LlmSecurityTests;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>The OpenAI Realtime route, against a local fake realtime server speaking the documented events.</summary>
public sealed class LlmRealtimeTests
{
    [Fact]
    public async Task Session_RelayedWithServerKey_ClientKeyNeverForwarded_UsageRecorded()
    {
        var ct = Ws.Timeout();
        await using var provider = await FakeRealtimeServer.StartAsync();
        var sink = new CollectingSink();
        await using var gateway = await StartAsync(provider, o => { }, sink);
        using var client = await Ws.ConnectAsync(gateway.Ws("/llm/realtime?model=GPT-Realtime"), ct, o =>
        {
            o.AddSubProtocol("realtime");
            o.AddSubProtocol("openai-insecure-api-key.sk-client-secret");
        });

        var created = await ReceiveJsonAsync(client, ct);
        await client.SendTextAsync("""{"type":"response.create","response":{"modalities":["text"]}}""", ct);
        var events = new List<JsonElement>();
        do
        {
            events.Add(await ReceiveJsonAsync(client, ct));
        }
        while (events[^1].GetProperty("type").GetString() != "response.done");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);

        client.SubProtocol.Should().Be("realtime");
        created.GetProperty("type").GetString().Should().Be("session.created");
        events.Select(e => e.GetProperty("type").GetString()).Should().Equal("response.created", "response.output_text.delta", "response.output_text.delta", "response.done");
        var (query, headers) = provider.Handshakes.Single();
        query.Should().Be("?model=gpt-realtime", "the configured spelling of an allowed model");
        headers["Authorization"].Should().Be("Bearer sk-server");
        string.Join("\n", headers.Values).Should().NotContain("sk-client-secret");
        provider.ClientEvents.Should().ContainSingle().Which.Should().Contain("response.create");
        await WaitUntilAsync(() => !sink.Records.IsEmpty, ct);
        var record = sink.Records.Single();
        record.Usage.InputTokens.Should().Be(40);
        record.Usage.OutputTokens.Should().Be(80);
        record.Model.Should().Be("gpt-realtime");
        record.Outcome.Should().Be("completed");
    }

    [Fact]
    public async Task ModelNotAllowed_403_ProviderNeverContacted()
    {
        var ct = Ws.Timeout();
        await using var provider = await FakeRealtimeServer.StartAsync();
        await using var gateway = await StartAsync(provider, o => { }, new CollectingSink());

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/llm/realtime?model=gpt-4o-realtime-preview"), ct);

        status.Should().Be(403);
        provider.Handshakes.Should().BeEmpty();
    }

    [Fact]
    public async Task ResponseDoneUsage_ChargedToTheSameBudget_ExhaustedClosesWith1008AndRefusesNewSessions()
    {
        var ct = Ws.Timeout();
        await using var provider = await FakeRealtimeServer.StartAsync(inputTokens: 60, outputTokens: 60);
        await using var gateway = await StartAsync(provider, o => o.Budgets = new LlmBudgetConfig { TokensPerMinute = 100 }, new CollectingSink());
        using var client = await Ws.ConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct);
        await ReceiveJsonAsync(client, ct);

        await client.SendTextAsync("""{"type":"response.create"}""", ct);
        var close = await client.ReceiveCloseAsync(ct);
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        status.Should().Be(429, "the 120 tokens of the first response exhausted the 100-token budget");
    }

    [Fact]
    public async Task Shutdown_RealtimeSessionDrainedWithin_DrainTimeout()
    {
        var ct = Ws.Timeout(30);
        await using var provider = await FakeRealtimeServer.StartAsync();
        await using var gateway = await StartAsync(provider, o => { }, new CollectingSink(), drainTimeout: TimeSpan.FromSeconds(1));
        using var client = await Ws.ConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct);
        await ReceiveJsonAsync(client, ct);

        // The client reads nothing more and never answers the close frame.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await gateway.App.StopAsync(ct);

        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Shutdown_SessionOpenedWhileTheDrainRuns_Closed1001AndAbortedWithinDrainTimeout()
    {
        var ct = Ws.Timeout(30);
        var accept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var provider = await FakeRealtimeServer.StartAsync(acceptWhen: accept.Task);
        await using var gateway = await StartAsync(provider, o => { }, new CollectingSink(), drainTimeout: TimeSpan.FromSeconds(1));
        var registry = gateway.Services.GetRequiredService<SessionRegistry>();

        // The handshake is past the gateway's draining check and waits for the provider while the drain starts.
        var connecting = Ws.ConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct);
        await WaitUntilAsync(() => provider.Handshakes.Count == 1, ct);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopping = gateway.App.StopAsync(ct);
        await WaitUntilAsync(() => registry.IsDraining, ct);
        accept.SetResult();
        using var client = await connecting;
        Received received;
        do
        {
            received = await client.ReceiveMessageAsync(ct);
        }
        while (received.Type != WebSocketMessageType.Close);

        // The client never answers the close frame: the session is aborted when the drain timeout passes.
        await stopping;

        received.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task ForeignOrigin_403_ProviderNeverContacted()
    {
        var ct = Ws.Timeout();
        await using var provider = await FakeRealtimeServer.StartAsync();
        await using var gateway = await StartAsync(provider, o => { }, new CollectingSink(), route: r => r.Configure(c => c with { AllowedOrigins = ["https://app.example"] }));

        var (evil, _) = await Ws.TryConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct, o => o.SetRequestHeader("Origin", "https://evil.example"));
        var (listed, _) = await Ws.TryConnectAsync(gateway.Ws("/llm/realtime?model=gpt-realtime"), ct, o => o.SetRequestHeader("Origin", "https://app.example"));

        evil.Should().Be(403, "Realtime sockets pass the same handshake gate as proxy and chat routes");
        listed.Should().Be(101);
        provider.Handshakes.Should().ContainSingle("only the admitted socket reached the provider");
    }

    private static Task<TestGateway> StartAsync(FakeRealtimeServer provider, Action<LlmOptions> configure, CollectingSink sink, TimeSpan? drainTimeout = null, Func<LlmRouteBuilder, LlmRouteBuilder>? route = null)
        => TestGateway.StartAsync(
            o => o.DrainTimeout = drainTimeout ?? o.DrainTimeout,
            s => s.AddWebSocketProxy().AddLlm(o =>
            {
                o.Providers["openai"] = new LlmProviderConfig { BaseUrl = provider.BaseUrl + "/v1", ApiKey = "sk-server", Models = ["gpt-realtime"] };
                configure(o);
            }).Services.AddSingleton<ILlmUsageSink>(sink),
            app => app.MapLlmRealtime("/llm/realtime", r => (route ?? (x => x))(r.AllowModels("gpt-realtime"))));

    private static async Task<JsonElement> ReceiveJsonAsync(WebSocket socket, CancellationToken ct)
    {
        var message = await socket.ReceiveMessageAsync(ct);
        using var document = JsonDocument.Parse(message.Data);
        return document.RootElement.Clone();
    }
}
