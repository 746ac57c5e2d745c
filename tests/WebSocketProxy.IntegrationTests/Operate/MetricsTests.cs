using System.Diagnostics.Metrics;
using System.Net;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>Every proxy instrument, measured on a real gateway with <see cref="MetricCollector{T}"/>.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Session_ActiveDurationMessagesSizeConnectAndCloses_Recorded()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var active = Collect<long>(meters, "websocket_proxy.connections.active");
        using var duration = Collect<double>(meters, "websocket_proxy.connection.duration");
        using var connect = Collect<double>(meters, "websocket_proxy.backend.connect.duration");
        using var messages = Collect<long>(meters, "websocket_proxy.messages");
        using var sizes = Collect<long>(meters, "websocket_proxy.message.size");
        using var closes = Collect<long>(meters, "websocket_proxy.closes");
        using var health = Collect<int>(meters, "websocket_proxy.backend.health");

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("hello", ct);
        await client.ReceiveMessageAsync(ct);
        await client.SendAsync(new byte[300], WebSocketMessageType.Binary, true, ct);
        await client.ReceiveMessageAsync(ct);

        active.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(1, "one session is live");
        active.LastMeasurement!.Tags.Should().Contain(new KeyValuePair<string, object?>("route", "r")).And.Contain(new KeyValuePair<string, object?>("cluster", "c"));
        var attempt = connect.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        attempt.Tags["backend"].Should().Be("b1");
        attempt.Tags["outcome"].Should().Be("success");
        attempt.Value.Should().BePositive();
        await messages.WaitForMeasurementsAsync(4, TimeSpan.FromSeconds(10));
        messages.GetMeasurementSnapshot().Select(m => ($"{m.Tags["direction"]}", $"{m.Tags["message_type"]}")).Should().BeEquivalentTo(
            [("client_to_backend", "text"), ("backend_to_client", "text"), ("client_to_backend", "binary"), ("backend_to_client", "binary")]);
        sizes.GetMeasurementSnapshot().Select(m => m.Value).Should().BeEquivalentTo([5L, 5L, 300L, 300L]);
        health.RecordObservableInstruments();
        health.LastMeasurement!.Value.Should().Be(1);

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        await closes.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));

        active.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(0, "the session ended");
        var ended = duration.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        ended.Tags["close_status"].Should().Be(1000);
        ended.Tags["route"].Should().Be("r");
        closes.GetMeasurementSnapshot().Select(m => ($"{m.Tags["side"]}", (int)m.Tags["close_status"]!, $"{m.Tags["initiator"]}")).Should().BeEquivalentTo(
            [("client", 1000, "client"), ("backend", 1000, "client")]);
    }

    [Fact]
    public async Task Closes_BackendClosesOrVanishes_SideStatusAndInitiator()
    {
        var ct = Ws.Timeout();
        var vanish = false;
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            var buffer = new byte[64];
            await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            if (Volatile.Read(ref vanish))
            {
                socket.Abort();
                return;
            }

            await socket.CloseOutputAsync((WebSocketCloseStatus)4001, "backend done", CancellationToken.None);
            await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var closes = Collect<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "websocket_proxy.closes");

        using (var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct))
        {
            await client.SendTextAsync("go", ct);
            var close = await client.ReceiveCloseAsync(ct);
            await client.CloseOutputAsync(close.CloseStatus!.Value, close.CloseDescription, ct);
        }

        await closes.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));
        Volatile.Write(ref vanish, true);
        using (var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct))
        {
            await client.SendTextAsync("go", ct);
            var close = await client.ReceiveCloseAsync(ct);
            close.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
            await client.CloseOutputAsync(close.CloseStatus!.Value, null, ct);
        }

        await closes.WaitForMeasurementsAsync(4, TimeSpan.FromSeconds(10));
        closes.GetMeasurementSnapshot().Select(m => ($"{m.Tags["side"]}", (int)m.Tags["close_status"]!, $"{m.Tags["initiator"]}")).Should().BeEquivalentTo(
        [
            ("client", 4001, "backend"), ("backend", 4001, "backend"),
            ("client", 1014, "backend"), ("backend", 1006, "backend"),
        ]);
    }

    [Fact]
    public async Task Rejected_ByReasonAndStatus_AndHandshakesInFlight_BackToZero()
    {
        var ct = Ws.Timeout();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(async (b, context) =>
        {
            await release.Task;
            await BackendHandlers.Echo(b, context);
        });
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var rejected = Collect<long>(meters, "websocket_proxy.connections.rejected");
        using var handshakes = Collect<long>(meters, "websocket_proxy.handshakes.active");
        using var http = new HttpClient();

        (await http.GetAsync(gateway.Http("/ws"), ct)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var connecting = Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await handshakes.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));
        handshakes.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(1, "the backend has not answered yet");
        handshakes.LastMeasurement!.Tags["route"].Should().Be("r");
        release.SetResult();
        using var client = await connecting;
        await handshakes.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10)); // counted out just after the 101

        handshakes.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(0, "the handshake became a session");
        var refusal = rejected.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        refusal.Tags["error_type"].Should().Be("not_websocket");
        refusal.Tags["http.response.status_code"].Should().Be(400);
        refusal.Tags["route"].Should().Be("r");
    }

    [Fact]
    public async Task Dropped_ByReason()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with
        {
            MessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 0.01, Burst = 1, OnExceeded = ViolationAction.Drop, Direction = MessageDirection.ClientToBackend },
        });
        using var dropped = Collect<long>(gateway.Services.GetRequiredService<IMeterFactory>(), "websocket_proxy.messages.dropped");
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("first", ct);
        await client.SendTextAsync("second", ct);
        await client.SendTextAsync("third", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("first");
        await dropped.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(10));

        dropped.GetMeasurementSnapshot().Should().AllSatisfy(m =>
        {
            m.Tags["reason"].Should().Be("rate_limit");
            m.Tags["direction"].Should().Be("client_to_backend");
        });
    }

    [Fact]
    public async Task LlmCost_RecordedWhenPricesAreConfigured()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Prices["gpt-4o-mini"] = new LlmPrice { InputPerMillion = 0.15m, OutputPerMillion = 0.6m };
        });
        using var cost = Collect<double>(gateway.Services.GetRequiredService<IMeterFactory>(), "websocket_proxy.llm.cost");
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        await client.ReceiveUntilTerminalAsync(ct);
        await cost.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(10));

        var spent = cost.GetMeasurementSnapshot().Should().ContainSingle().Subject;
        spent.Value.Should().BeApproximately((double)(((10 * 0.15m) + (5 * 0.6m)) / 1_000_000m), 1e-12);
        spent.Tags["model"].Should().Be("gpt-4o-mini");
        spent.Tags["provider"].Should().Be("openai");
    }

    private static MetricCollector<T> Collect<T>(IMeterFactory meters, string instrument)
        where T : struct
        => new(meters, WebSocketProxyDiagnostics.MeterName, instrument);
}
