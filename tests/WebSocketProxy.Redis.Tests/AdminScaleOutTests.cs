using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>The admin API of one instance lists, closes and drains the sessions of the other (two gateways, one redis-server).</summary>
public sealed class AdminScaleOutTests
{
    [Fact]
    public async Task The_admin_API_of_A_lists_and_closes_a_session_held_by_B_with_the_chosen_code()
    {
        var ct = Ws.Timeout(60);
        await using var pair = await GatewayPair.StartAsync((uri, configuration, prefix) => RedisGateways.StartWithAdminAsync(uri, configuration, prefix), ct);
        var (backend, a, b) = (pair.Backend, pair.A, pair.B);
        using var http = new HttpClient { BaseAddress = a.Http("/") };
        var bInstance = b.Services.GetRequiredService<ISessionDirectory>().InstanceId;

        using var onB = await Ws.ConnectAsync(b.Ws("/ws/x"), ct, o => o.SetRequestHeader(RedisGateways.ApiKeyHeader, RedisGateways.AliceKey));
        await onB.SendTextAsync("ping", ct);
        await onB.ReceiveMessageAsync(ct);

        var session = await Eventually.MatchesAsync(
            () => SessionsOf(http, bInstance, ct),
            l => l.Count == 1 && l[0].GetProperty("clientToBackend").GetProperty("messages").GetInt64() == 1,
            ct); // B's heartbeat publishes the session with its traffic
        session[0].GetProperty("user").GetString().Should().Be("alice");
        session[0].GetProperty("route").GetString().Should().Be("r");
        session[0].GetProperty("backend").GetString().Should().Be("b1");
        session[0].GetProperty("remoteAddress").GetString().Should().Be("127.0.0.1");
        var id = session[0].GetProperty("id").GetString()!;
        (await GetJsonAsync(http, $"/_proxy/sessions/{Uri.EscapeDataString(id)}", ct)).GetProperty("instance").GetString().Should().Be(bInstance);
        (await GetJsonAsync(http, "/_proxy/sessions?user=alice", ct)).GetArrayLength().Should().Be(1);

        using var closed = await http.PostAsJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}/close", new { code = 4321, reason = "maintenance window" }, ct);

        closed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await closed.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("instance").GetString().Should().Be(bInstance);
        var atClient = await onB.ReceiveCloseAsync(ct);
        atClient.CloseStatus.Should().Be((WebSocketCloseStatus)4321);
        atClient.CloseDescription.Should().Be("maintenance window");
        await onB.CloseOutputAsync(atClient.CloseStatus!.Value, atClient.CloseDescription, ct);
        var atBackend = await backend.FirstClose.Task.WaitAsync(ct);
        atBackend!.Value.Status.Should().Be((WebSocketCloseStatus)4321, "both legs get the operator's code");
        await Eventually.HoldsAsync(async () => (await SessionsOf(http, bInstance, ct)).Count == 0, ct);
        using var gone = await http.PostAsJsonAsync($"/_proxy/sessions/{Uri.EscapeDataString(id)}/close", new { code = 4000 }, ct);
        gone.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_admin_API_of_A_closes_a_users_sessions_on_both_instances_and_drains_a_backend_on_both()
    {
        var ct = Ws.Timeout(60);
        await using var pair = await GatewayPair.StartAsync((uri, configuration, prefix) => RedisGateways.StartWithAdminAsync(uri, configuration, prefix), ct);
        var (backend, a, b) = (pair.Backend, pair.A, pair.B);
        using var http = new HttpClient { BaseAddress = a.Http("/") };
        void Alice(ClientWebSocketOptions o) => o.SetRequestHeader(RedisGateways.ApiKeyHeader, RedisGateways.AliceKey);
        void Bob(ClientWebSocketOptions o) => o.SetRequestHeader(RedisGateways.ApiKeyHeader, RedisGateways.BobKey);

        using var aliceOnA = await Ws.ConnectAsync(a.Ws("/ws/1"), ct, Alice);
        using var aliceOnB = await Ws.ConnectAsync(b.Ws("/ws/2"), ct, Alice);
        using var bobOnB = await Ws.ConnectAsync(b.Ws("/ws/3"), ct, Bob);
        await Eventually.HoldsAsync(async () => (await GetJsonAsync(http, "/_proxy/sessions", ct)).GetArrayLength() == 3, ct);

        using var response = await http.PostAsJsonAsync("/_proxy/users/alice/close", new { code = 4403, reason = "account suspended" }, ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        result.GetProperty("closed").GetInt32().Should().Be(2);
        result.GetProperty("sessions").GetArrayLength().Should().Be(2);
        foreach (var socket in new[] { aliceOnA, aliceOnB })
        {
            var close = await socket.ReceiveCloseAsync(ct);
            close.CloseStatus.Should().Be((WebSocketCloseStatus)4403);
            close.CloseDescription.Should().Be("account suspended");
            await socket.CloseOutputAsync(close.CloseStatus!.Value, close.CloseDescription, ct); // a client answers with the code it got
        }

        await bobOnB.SendTextAsync("still here", ct);
        (await bobOnB.ReceiveMessageAsync(ct)).Text.Should().Be("still here");
        await Eventually.HoldsAsync(async () => (await GetJsonAsync(http, "/_proxy/sessions", ct)).GetArrayLength() == 1, ct);

        // Drain b1 from A: B's session on it is closed with 1012 after the grace period, and B sends no new session to it.
        using var drain = await http.PostAsync("/_proxy/clusters/c/backends/b1/drain", null, ct);
        drain.StatusCode.Should().Be(HttpStatusCode.OK);
        var drained = await drain.Content.ReadFromJsonAsync<JsonElement>(ct);
        drained.GetProperty("draining").GetBoolean().Should().BeTrue();
        drained.GetProperty("activeSessions").GetInt32().Should().Be(1, "bob's session on B uses b1");
        (await bobOnB.ReceiveCloseAsync(ct)).CloseStatus.Should().Be((WebSocketCloseStatus)1012, "a drained backend's sessions close with 1012 (service restart)");
        (await Ws.TryConnectAsync(b.Ws("/ws/4"), ct, Bob)).Status.Should().Be(503, "B drains b1 too, and the cluster has no other backend");

        using var resume = await http.PostAsync("/_proxy/clusters/c/backends/b1/resume", null, ct);
        resume.StatusCode.Should().Be(HttpStatusCode.OK);
        (await resume.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("draining").GetBoolean().Should().BeFalse();
        (await Ws.TryConnectAsync(b.Ws("/ws/5"), ct, Bob)).Status.Should().Be(101, "the resume reached B too");
    }

    private static async Task<List<JsonElement>> SessionsOf(HttpClient http, string instance, CancellationToken ct)
        => [.. (await GetJsonAsync(http, "/_proxy/sessions", ct)).EnumerateArray().Where(s => s.GetProperty("instance").GetString() == instance)];

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }
}
