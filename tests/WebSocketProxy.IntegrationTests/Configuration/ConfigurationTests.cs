using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Configuration;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_InvalidConfiguration_FailsWithEveryErrorNamingItsKey()
    {
        var ct = Ws.Timeout();

        var start = () => LoopbackHost.StartAsync(
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["WebSocketProxy:Routes:chat:Path"] = "/chat",
                    ["WebSocketProxy:Routes:chat:Cluster"] = "chats",
                    ["WebSocketProxy:Clusters:chat:Backends:a:Address"] = "not a uri",
                });
                builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
            },
            app => app.MapWebSocketProxy(),
            ct);

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Failures.Should().Contain("WebSocketProxy:Routes:chat:Cluster refers to unknown cluster 'chats'.");
        error.Failures.Should().Contain("WebSocketProxy:Clusters:chat:Backends:a:Address 'not a uri' is not an absolute URI.");
        error.Message.Should().Contain("chats").And.Contain("not a uri");
    }

    [Fact]
    public async Task Map_WithoutAdd_ThrowsNamingTheMissingCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var map = () => app.MapWebSocketProxy();

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddWebSocketProxy*");
    }

    [Fact]
    public async Task Reload_NewBackend_NewConnectionsMoveLiveOnesStay()
    {
        var ct = Ws.Timeout();
        await using var first = await TestBackend.StartEchoAsync();
        await using var second = await TestBackend.StartEchoAsync();
        await using var gateway = await ReloadableGateway.StartAsync(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = first.WsUri().ToString(),
        });
        using var live = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        gateway.Reload(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Routes:r2:Path"] = "/added",
            ["WebSocketProxy:Routes:r2:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = second.WsUri().ToString(),
        });
        using var fresh = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var added = await Ws.ConnectAsync(gateway.Ws("/added"), ct);

        await live.SendTextAsync("still alive", ct);
        (await live.ReceiveMessageAsync(ct)).Text.Should().Be("still alive");
        first.Handshakes.Should().HaveCount(1);
        second.Handshakes.Should().HaveCount(2);

        gateway.Reload(new Dictionary<string, string?> { ["WebSocketProxy:Routes:r:Path"] = "/ws", ["WebSocketProxy:Routes:r:Cluster"] = "missing" });
        using var afterBadReload = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        second.Handshakes.Should().HaveCount(3, "a bad reload is ignored and the last good configuration stays");
        await gateway.App.StopAsync(ct);
    }
}
