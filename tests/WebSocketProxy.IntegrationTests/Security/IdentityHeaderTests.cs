using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Security;

/// <summary>Identity propagation: claims become backend headers; a client's own copy of those headers never reaches the backend.</summary>
public sealed class IdentityHeaderTests
{
    private static readonly Dictionary<string, string> Mapping = new() { ["X-User-Id"] = "sub", ["X-User-Roles"] = "role" };

    private static Task<TestGateway> StartAsync(TestBackend backend, string? policy)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig
                {
                    Path = "/ws/{**rest}",
                    Cluster = "c",
                    AuthorizationPolicy = policy,
                    IdentityHeaders = Mapping,
                    ForwardHeaders = ["X-User-Id", "X-User-Roles", "X-Tenant"], // listed on purpose: identity headers still win
                };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            TestAuth.AddTo);

    [Fact]
    public async Task SpoofedIdentityHeaders_ReplacedByClaims()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, "default");
        var token = TestAuth.CreateToken("alice", roles: ["reader", "writer"]);

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            TestAuth.Bearer(token)(o);
            o.SetRequestHeader("X-User-Id", "admin");
            o.SetRequestHeader("X-User-Roles", "admin");
            o.SetRequestHeader("X-Tenant", "t1");
        });
        await client.SendTextAsync("x", ct);
        await client.ReceiveMessageAsync(ct);

        var headers = backend.Handshakes.Single().Headers;
        headers["X-User-Id"].Should().Be("alice");
        headers["X-User-Roles"].Should().Be("reader,writer");
        headers["X-Tenant"].Should().Be("t1", "other listed headers are still forwarded");
        headers.Values.Should().NotContain("admin");
    }

    [Fact]
    public async Task SpoofedIdentityHeaders_AnonymousClient_NeverReachBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(backend, policy: null);

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.SetRequestHeader("X-User-Id", "admin");
            o.SetRequestHeader("x-user-roles", "admin");
        });
        await client.SendTextAsync("x", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("x", "the gateway still serves the client");

        var headers = backend.Handshakes.Single().Headers;
        headers.Should().NotContainKey("X-User-Id");
        headers.Should().NotContainKey("X-User-Roles");
    }
}
