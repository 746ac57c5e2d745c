using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.Tokens;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Security;

/// <summary>Handshake authentication and authorization: 401 / 403, never a 101, for configured and code routes, JWT bearer and API keys.</summary>
public sealed class AuthenticationTests
{
    private static Task<TestGateway> StartAsync(TestBackend backend, Func<RouteConfig, RouteConfig> route, Action<WebApplication>? map = null)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = route(new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" });
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            TestAuth.AddTo,
            map);

    private static async Task AssertServesAsync(TestGateway gateway, string path, Action<ClientWebSocketOptions> configure, CancellationToken ct)
    {
        using var client = await Ws.ConnectAsync(gateway.Ws(path), ct, configure);
        await client.SendTextAsync("hello", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("hello");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
    }

    [Fact]
    public async Task ConfigPolicy_NoToken_401AndBackendNeverContacted()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default" });

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(401);
        headers!.Keys.Should().Contain(k => k.Equals("WWW-Authenticate", StringComparison.OrdinalIgnoreCase));
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.Bearer(TestAuth.CreateToken("alice")), ct);
    }

    [Fact]
    public async Task ConfigPolicy_ForgedToken_401()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default" });
        var forged = TestAuth.CreateToken("alice", key: new SymmetricSecurityKey(new byte[32]));

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(forged));

        status.Should().Be(401);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.Bearer(TestAuth.CreateToken("alice")), ct);
    }

    [Fact]
    public async Task ConfigPolicy_ExpiredToken_401()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default" });
        var expired = TestAuth.CreateToken("alice", expires: DateTime.UtcNow.AddMinutes(-1));

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(expired));

        status.Should().Be(401);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.Bearer(TestAuth.CreateToken("alice")), ct);
    }

    [Fact]
    public async Task ConfigPolicy_AuthenticatedWithoutRole_403AndAdminServed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "admins" });

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.Bearer(TestAuth.CreateToken("mallory", roles: ["user"])));

        status.Should().Be(403);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.Bearer(TestAuth.CreateToken("root", roles: ["admin"])), ct);
    }

    [Fact]
    public async Task CodeRoute_RequireAuthorization_401Then403Then101()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r, app =>
        {
            app.MapWebSocketProxy("/code", route => route.ToBackends(backend.WsUri().ToString())).RequireAuthorization("admins");
        });

        (await Ws.TryConnectAsync(gateway.Ws("/code"), ct)).Status.Should().Be(401);
        (await Ws.TryConnectAsync(gateway.Ws("/code"), ct, TestAuth.ApiKey(TestAuth.AliceKey))).Status.Should().Be(403);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/code", TestAuth.Bearer(TestAuth.CreateToken("root", roles: ["admin"])), ct);
    }

    [Fact]
    public async Task ApiKey_ValidKeyServed_WrongKey401()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default" });

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey("key-alice-0123456788"))).Status.Should().Be(401);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.ApiKey(TestAuth.AliceKey), ct);
    }

    [Fact]
    public async Task BrowserToken_InQuery_AcceptedAndRemovedBeforeBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default", AccessToken = new AccessTokenConfig { FromQuery = true } });
        var token = TestAuth.CreateToken("alice");

        await AssertServesAsync(gateway, $"/ws?room=42&access_token={token}&x=y", _ => { }, ct);

        backend.Handshakes.Should().ContainSingle();
        var handshake = backend.Handshakes.Single();
        handshake.Query.Should().Be("?room=42&x=y");
        handshake.Headers.Values.Should().NotContain(v => v.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BrowserToken_InSubProtocol_AcceptedAndRemovedBeforeBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default", AccessToken = new AccessTokenConfig { FromSubProtocol = true } });
        var token = TestAuth.CreateToken("alice");

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.AddSubProtocol("chat.v1");
            o.AddSubProtocol("access_token." + token);
        });
        await client.SendTextAsync("hi", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("hi");

        client.SubProtocol.Should().Be("chat.v1");
        var handshake = backend.Handshakes.Single();
        handshake.RequestedProtocols.Should().Equal("chat.v1");
        handshake.Headers.Values.Should().NotContain(v => v.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BrowserToken_RouteNotOptedIn_QueryTokenIgnored401()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, r => r with { AuthorizationPolicy = "default" });

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws?access_token=" + TestAuth.CreateToken("alice")), ct);

        status.Should().Be(401);
        backend.Handshakes.Should().BeEmpty();
        await AssertServesAsync(gateway, "/ws", TestAuth.Bearer(TestAuth.CreateToken("alice")), ct);
    }
}
