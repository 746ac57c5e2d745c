using System.Net;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.SocketIo;

/// <summary>
/// Node's <c>socket.io-client</c> with its default transports (HTTP long-polling first, then the upgrade to WebSocket)
/// through a <c>ForwardHttp</c> route to two Socket.IO servers: the polling requests and the upgrade of one client
/// carry its <c>sid</c> and must reach the server that issued it.
/// </summary>
public sealed class SocketIoTests
{
    [Fact(Timeout = 60_000)]
    public async Task PollingHandshake_ForwardHttp_IsAnsweredByAServer()
    {
        var ct = Bounded.Token(30);
        await using var cluster = await SocketIoCluster.StartAsync(ct);
        using var http = new HttpClient();

        using var response = await http.GetAsync(cluster.Gateway.Http("/socket.io/?EIO=4&transport=polling"), ct);

        var body = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK, "the engine.io open request is forwarded ({0}); servers reported: {1}", body.Trim(), cluster.Servers.Events);
        body.Should().StartWith("0{", "an engine.io open packet");
        using var open = JsonDocument.Parse(body[1..]);
        open.RootElement.GetProperty("sid").GetString().Should().NotBeNullOrEmpty();
        open.RootElement.GetProperty("upgrades").EnumerateArray().Select(u => u.GetString()).Should().Contain("websocket");
    }

    [Fact(Timeout = 90_000)]
    public async Task EmitAck_DefaultTransports_RoundTripOverTheUpgradedWebSocketOnBothServers()
    {
        var ct = Bounded.Token(60);
        await using var cluster = await SocketIoCluster.StartAsync(ct);

        using var result = await NodeScript.RunAsync("socketio-client.mjs", [cluster.Gateway.Http("/").ToString(), "4", "20", "no-room"], ct);

        var clients = AssertNoError(result, cluster);
        clients.Should().HaveCount(4);
        var servers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            client.GetProperty("firstTransport").GetString().Should().Be("polling", "the default client opens with HTTP long-polling");
            client.GetProperty("upgraded").GetBoolean().Should().BeTrue("the client upgrades to WebSocket through the gateway");
            var acks = client.GetProperty("acks").EnumerateArray().ToList();
            acks.Should().HaveCount(20);
            acks.Should().OnlyContain(a => a.GetProperty("ok").GetBoolean() && a.GetProperty("transport").GetString() == "websocket");
            var clientServers = acks.Select(a => a.GetProperty("server").GetString()!).Distinct().ToList();
            clientServers.Should().HaveCount(1, "one client's polling requests and upgrade stay on one server");
            servers.Add(clientServers[0]);
        }

        servers.Should().HaveCount(2, "a round-robin cluster spreads four clients over both servers");
    }

    [Fact(Timeout = 90_000)]
    public async Task RoomBroadcast_DefaultTransports_ReachesEveryMemberOnBothServers()
    {
        var ct = Bounded.Token(60);
        await using var cluster = await SocketIoCluster.StartAsync(ct);

        using var result = await NodeScript.RunAsync("socketio-client.mjs", [cluster.Gateway.Http("/").ToString(), "4", "1", "room"], ct);

        var clients = AssertNoError(result, cluster);
        clients.Should().HaveCount(4);
        clients.Should().OnlyContain(c => c.GetProperty("upgraded").GetBoolean());
        clients.Select(c => c.GetProperty("acks")[0].GetProperty("server").GetString()).Distinct().Should().HaveCount(2);
        foreach (var client in clients)
        {
            var room = client.GetProperty("room").EnumerateArray().ToList();
            room.Should().ContainSingle().Which.GetProperty("text").GetString().Should().Be("hello room");
        }
    }

    private static List<JsonElement> AssertNoError(JsonDocument result, SocketIoCluster cluster)
    {
        var root = result.RootElement;
        root.TryGetProperty("error", out var error).Should().BeFalse("the client script reports: {0}\nclients: {1}\nservers reported:\n{2}",
            error.ToString(), root.GetProperty("clients").ToString(), cluster.Servers.Events);
        return [.. root.GetProperty("clients").EnumerateArray()];
    }
}
