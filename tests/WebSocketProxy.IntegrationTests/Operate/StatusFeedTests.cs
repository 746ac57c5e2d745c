using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The live status feed: reports over a WebSocket from the gateway itself.</summary>
public sealed class StatusFeedTests
{
    [Fact]
    public async Task Feed_ReportsSessionsTrafficClosesAndBackends_WithoutUsersOrAddresses()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var feed = await Ws.ConnectAsync(gateway.Ws("/status/live"), ct);
        using (var done = await Ws.ConnectAsync(gateway.Ws("/ws/first"), ct))
        {
            await done.SendTextAsync("one", ct);
            await done.ReceiveMessageAsync(ct);
            await done.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }

        using var live = await Ws.ConnectAsync(gateway.Ws("/ws/second"), ct, o => o.ConnectWithKey(AdminGateway.AliceKey));
        for (var i = 0; i < 3; i++)
        {
            await live.SendTextAsync("abcd", ct);
            await live.ReceiveMessageAsync(ct);
        }

        var report = await NextAsync(feed, r => r.GetProperty("endedSessions").GetInt64() == 1
            && r.GetProperty("sessions").EnumerateArray().Any(s => s.GetProperty("clientToBackend").GetProperty("messages").GetInt64() == 3), ct);

        report.GetProperty("activeSessions").GetInt32().Should().Be(1);
        report.GetProperty("draining").GetBoolean().Should().BeFalse();
        report.GetProperty("clientToBackend").GetProperty("messages").GetInt64().Should().Be(4, "the ended session's one plus the live one's three");
        report.GetProperty("clientToBackend").GetProperty("bytes").GetInt64().Should().Be(15);
        report.GetProperty("backendToClient").GetProperty("messages").GetInt64().Should().Be(4);
        var closes = report.GetProperty("closeStatuses").EnumerateArray().Select(c => (c.GetProperty("side").GetString(), c.GetProperty("status").GetInt32(), c.GetProperty("count").GetInt64()));
        closes.Should().BeEquivalentTo([("backend", 1000, 1L), ("client", 1000, 1L)]);
        var session = report.GetProperty("sessions").EnumerateArray().Single();
        session.GetProperty("route").GetString().Should().Be("r");
        session.GetProperty("backend").GetString().Should().Be("b1");
        session.TryGetProperty("user", out _).Should().BeFalse("the feed carries no user");
        session.TryGetProperty("remoteAddress", out _).Should().BeFalse("the feed carries no client address");
        var backendState = report.GetProperty("clusters")[0].GetProperty("backends")[0];
        backendState.GetProperty("healthy").GetBoolean().Should().BeTrue();
        backendState.GetProperty("activeSessions").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Feed_HostStops_Closed1001()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var feed = await Ws.ConnectAsync(gateway.Ws("/status/live"), ct);
        await NextAsync(feed, _ => true, ct);

        var stopping = gateway.App.StopAsync(ct);
        var close = await feed.ReceiveCloseAsync(ct);
        await feed.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await stopping;

        close.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task Feed_ClientCloses_HandshakeCompleted()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var feed = await Ws.ConnectAsync(gateway.Ws("/status/live"), ct);
        await NextAsync(feed, _ => true, ct);

        await feed.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
        var close = await feed.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        feed.State.Should().Be(WebSocketState.Closed);
    }

    private static async Task<JsonElement> NextAsync(WebSocket feed, Func<JsonElement, bool> until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await feed.ReceiveMessageAsync(cancellationToken);
            message.Type.Should().Be(WebSocketMessageType.Text);
            var report = JsonDocument.Parse(message.Data).RootElement;
            if (until(report))
            {
                return report;
            }
        }
    }
}
