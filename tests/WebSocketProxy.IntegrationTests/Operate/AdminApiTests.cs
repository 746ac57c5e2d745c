using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The admin API on real sockets: authorization, listing, closing a session or a user's sessions, draining, clusters, OpenAPI.</summary>
public sealed class AdminApiTests
{
    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(AdminGateway.AliceKey, HttpStatusCode.Forbidden)]
    [InlineData("not-a-key", HttpStatusCode.Unauthorized)]
    [InlineData(AdminGateway.AdminKey, HttpStatusCode.OK)]
    public async Task AdminApi_RequiresTheAdminPolicy(string? apiKey, HttpStatusCode expected)
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway, apiKey);

        foreach (var path in new[] { "/_proxy/sessions", "/_proxy/clusters", "/_proxy/status" })
        {
            (await http.GetAsync(path, ct)).StatusCode.Should().Be(expected, path);
        }

        using var close = await http.PostAsJsonAsync("/_proxy/users/alice/close", new { code = 4000 }, ct);
        close.StatusCode.Should().Be(expected, "closing is an admin action too");
    }

    [Fact]
    public async Task Sessions_ListAndShow_RouteBackendUserAddressSubprotocolAndTrafficEachWay()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway);
        using var alice = await Ws.ConnectAsync(gateway.Ws("/ws/room"), ct, o =>
        {
            o.ConnectWithKey(AdminGateway.AliceKey);
            o.AddSubProtocol("chat.v1");
        });
        await alice.SendTextAsync("hello", ct);
        await alice.ReceiveMessageAsync(ct);
        await alice.SendAsync(new byte[1000], WebSocketMessageType.Binary, true, ct);
        await alice.ReceiveMessageAsync(ct);

        var sessions = default(JsonElement);
        await AdminGateway.WaitUntilAsync(
            async () => (sessions = await http.WaitForSessionsAsync(1, ct))[0].GetProperty("backendToClient").GetProperty("messages").GetInt64() == 2,
            ct); // a message is counted once its send completed, which may be just after the peer got it

        var session = sessions.EnumerateArray().Should().ContainSingle().Subject;
        session.GetProperty("route").GetString().Should().Be("r");
        session.GetProperty("cluster").GetString().Should().Be("c");
        session.GetProperty("backend").GetString().Should().Be("b1");
        session.GetProperty("user").GetString().Should().Be("alice");
        session.GetProperty("remoteAddress").GetString().Should().Be("127.0.0.1");
        session.GetProperty("subProtocol").GetString().Should().Be("chat.v1");
        session.GetProperty("started").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        Traffic(session, "clientToBackend").Should().Be((2, 1005));
        Traffic(session, "backendToClient").Should().Be((2, 1005));
        session.GetProperty("clientCloseStatus").ValueKind.Should().Be(JsonValueKind.Null, "the session is live");

        var id = session.GetProperty("id").GetString()!;
        var one = await http.GetJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}", ct);
        one.GetProperty("user").GetString().Should().Be("alice");
        (await http.GetJsonAsync("/_proxy/sessions?user=bob", ct)).GetArrayLength().Should().Be(0);
        (await http.GetJsonAsync("/_proxy/sessions?user=alice&route=r&backend=b1", ct)).GetArrayLength().Should().Be(1);
        using var missing = await http.GetAsync("/_proxy/sessions/nope", ct);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task CloseSession_ChosenCodeAndReason_ReachBothLegs()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("ping", ct);
        await client.ReceiveMessageAsync(ct);
        var id = (await http.WaitForSessionsAsync(1, ct))[0].GetProperty("id").GetString()!;
        var clientClose = client.ReceiveCloseAsync(ct);

        var closing = http.PostAsJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}/close", new { code = 4321, reason = "maintenance window" }, ct);
        var atClient = await clientClose;
        await client.CloseOutputAsync(atClient.CloseStatus!.Value, atClient.CloseDescription, ct); // a client answers with the code it got
        using var response = await closing; // answered once the session has ended

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        atClient.CloseStatus.Should().Be((WebSocketCloseStatus)4321);
        atClient.CloseDescription.Should().Be("maintenance window");
        var atBackend = await backend.FirstClose.Task.WaitAsync(ct);
        atBackend!.Value.Status.Should().Be((WebSocketCloseStatus)4321);
        atBackend.Value.Description.Should().Be("maintenance window");
        var ended = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        ended.GetProperty("closeInitiator").GetString().Should().Be("proxy");
        ended.GetProperty("clientCloseStatus").GetInt32().Should().Be(4321);
        ended.GetProperty("backendCloseStatus").GetInt32().Should().Be(4321, "the backend echoed the proxy's close");
        await http.WaitForSessionsAsync(0, ct);
    }

    [Theory]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(2000)]
    [InlineData(5000)]
    public async Task CloseSession_UnsendableCode_400AndSessionKept(int code)
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var id = (await http.WaitForSessionsAsync(1, ct))[0].GetProperty("id").GetString()!;

        using var response = await http.PostAsJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}/close", new { code }, ct);
        using var tooLong = await http.PostAsJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}/close", new { code = 4000, reason = new string('x', 124) }, ct);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        tooLong.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await client.SendTextAsync("still here", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("still here");
    }

    [Fact]
    public async Task CloseUser_ClosesEveryOneOfTheirSessions_OthersKept()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway);
        using var alice1 = await Ws.ConnectAsync(gateway.Ws("/ws/a"), ct, o => o.ConnectWithKey(AdminGateway.AliceKey));
        using var alice2 = await Ws.ConnectAsync(gateway.Ws("/ws/b"), ct, o => o.ConnectWithKey(AdminGateway.AliceKey));
        using var bob = await Ws.ConnectAsync(gateway.Ws("/ws/c"), ct, o => o.ConnectWithKey(AdminGateway.BobKey));
        await http.WaitForSessionsAsync(3, ct);

        using var response = await http.PostAsJsonAsync("/_proxy/users/alice/close", new { code = 4403, reason = "account suspended" }, ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        result.GetProperty("closed").GetInt32().Should().Be(2);
        result.GetProperty("sessions").GetArrayLength().Should().Be(2);
        foreach (var socket in new[] { alice1, alice2 })
        {
            var close = await socket.ReceiveCloseAsync(ct);
            close.CloseStatus.Should().Be((WebSocketCloseStatus)4403);
            close.CloseDescription.Should().Be("account suspended");
        }

        await bob.SendTextAsync("bob stays", ct);
        (await bob.ReceiveMessageAsync(ct)).Text.Should().Be("bob stays");
    }

    [Fact]
    public async Task DrainBackend_NewSessionsElsewhere_LiveOnesClosed1012AfterGrace_ResumeBringsItBack()
    {
        var ct = Ws.Timeout();
        await using var first = await TestBackend.StartEchoAsync();
        await using var second = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(c => c with { DrainGracePeriod = TimeSpan.FromMilliseconds(300) }, first.WsUri(), second.WsUri());
        using var http = AdminGateway.Client(gateway);
        using var live = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var drained = (await http.WaitForSessionsAsync(1, ct))[0].GetProperty("backend").GetString()!;
        var other = drained == "b1" ? second : first;
        var handshakesBefore = other.Handshakes.Count;

        using var drain = await http.PostAsync($"/_proxy/clusters/c/backends/{drained}/drain", null, ct);

        drain.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await drain.Content.ReadFromJsonAsync<JsonElement>(ct);
        result.GetProperty("draining").GetBoolean().Should().BeTrue();
        result.GetProperty("activeSessions").GetInt32().Should().Be(1);
        result.GetProperty("gracePeriod").GetString().Should().Be("00:00:00.3000000");
        var clusters = await http.GetJsonAsync("/_proxy/clusters", ct);
        var state = clusters[0].GetProperty("backends").EnumerateArray().Single(x => x.GetProperty("id").GetString() == drained);
        state.GetProperty("draining").GetBoolean().Should().BeTrue();
        state.GetProperty("healthy").GetBoolean().Should().BeFalse("a draining backend takes no new connections");
        for (var i = 0; i < 3; i++)
        {
            using var fresh = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        }

        other.Handshakes.Count.Should().Be(handshakesBefore + 3, "new sessions go to the other backend while this one drains");

        var closed = await live.ReceiveCloseAsync(ct);
        closed.CloseStatus.Should().Be((WebSocketCloseStatus)1012, "the live session is closed after the grace period");

        using var resume = await http.PostAsync($"/_proxy/clusters/c/backends/{drained}/resume", null, ct);
        resume.StatusCode.Should().Be(HttpStatusCode.OK);
        (await resume.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("draining").GetBoolean().Should().BeFalse();
        using var unknown = await http.PostAsync("/_proxy/clusters/c/backends/nope/drain", null, ct);
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Clusters_BackendHealthAndLiveCounts()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri(), new Uri("ws://127.0.0.1:1/ws?secret=1"));
        using var http = AdminGateway.Client(gateway);
        using var one = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var two = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await http.WaitForSessionsAsync(2, ct);

        var cluster = (await http.GetJsonAsync("/_proxy/clusters", ct)).EnumerateArray().Single();

        cluster.GetProperty("id").GetString().Should().Be("c");
        cluster.GetProperty("activeSessions").GetInt32().Should().Be(2);
        var backends = cluster.GetProperty("backends").EnumerateArray().ToDictionary(b => b.GetProperty("id").GetString()!);
        backends["b1"].GetProperty("activeSessions").GetInt32().Should().Be(2);
        backends["b1"].GetProperty("address").GetString().Should().Be(backend.WsUri().ToString());
        backends["b1"].GetProperty("health").GetString().Should().Be("unknown", "no active probe is configured");
        backends["b2"].GetProperty("address").GetString().Should().NotContain("secret", "the query is left out");
    }

    [Fact]
    public async Task OpenApi_DocumentsTheAdminEndpoints()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway, apiKey: null);

        var document = await http.GetJsonAsync("/openapi/v1.json", ct);

        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/_proxy/sessions", "get"), ("/_proxy/sessions/{id}", "get"), ("/_proxy/sessions/{id}/close", "post"),
            ("/_proxy/users/{user}/close", "post"), ("/_proxy/clusters", "get"),
            ("/_proxy/clusters/{cluster}/backends/{backend}/drain", "post"), ("/_proxy/clusters/{cluster}/backends/{backend}/resume", "post"),
            ("/_proxy/usage", "get"), ("/_proxy/status", "get"),
        })
        {
            paths.GetProperty(path).TryGetProperty(method, out var operation).Should().BeTrue($"{method} {path} is documented");
            operation.GetProperty("tags")[0].GetString().Should().Be("WebSocketProxy admin");
        }

        paths.TryGetProperty("/healthz", out _).Should().BeFalse("probes are not part of the API description");
        document.GetProperty("components").GetProperty("schemas").TryGetProperty("SessionInfo", out _).Should().BeTrue();
    }

    private static (long Messages, long Bytes) Traffic(JsonElement session, string direction)
    {
        var traffic = session.GetProperty(direction);
        return (traffic.GetProperty("messages").GetInt64(), traffic.GetProperty("bytes").GetInt64());
    }
}
