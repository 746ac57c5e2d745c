using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Security;

/// <summary>Cross-site WebSocket hijacking: a disallowed or (when configured) missing Origin gets 403 and never reaches the backend.</summary>
public sealed class OriginTests
{
    private static Action<System.Net.WebSockets.ClientWebSocketOptions> Origin(string origin) => o => o.SetRequestHeader("Origin", origin);

    [Fact]
    public async Task Default_NoList_AnyOriginServed_AsAspNetCoreDoes()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("https://app.example.com"))).Status.Should().Be(101, "a split deployment (app.example.com → ws.example.com) works out of the box");
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("null"))).Status.Should().Be(101);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin($"http://127.0.0.1:{gateway.Port}"))).Status.Should().Be(101);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);
        backend.Handshakes.Should().HaveCount(4);
        backend.Handshakes.First().Headers["Origin"].Should().Be("https://app.example.com", "the client's Origin reaches the backend");
    }

    [Fact]
    public async Task AllowList_EvilOrigin403_MissingOrigin403_ListedServed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { AllowedOrigins = ["https://app.example.com"] });

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("https://evil.example"))).Status.Should().Be(403);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("https://app.example.com.evil.example"))).Status.Should().Be(403);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("http://app.example.com"))).Status.Should().Be(403, "the scheme is part of the origin");
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(403, "a missing Origin is refused once an allow-list is set");
        backend.Handshakes.Should().BeEmpty();

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, Origin("https://APP.example.com"));
        await client.SendTextAsync("ok", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("ok");
    }

    [Fact]
    public async Task AllowList_AllowMissingOrigin_NonBrowserClientServed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { AllowedOrigins = ["https://app.example.com"], AllowMissingOrigin = true });

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, Origin("https://evil.example"))).Status.Should().Be(403);
    }
}
