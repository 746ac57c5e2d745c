using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class MembershipChangeTests
{
    [Fact]
    public async Task Reload_BackendReplaced_LiveSessionStays_NewConnectionsGoToNewMember()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:a:Address"] = a.WsUri().ToString(),
        };
        await using var gateway = await ReloadableGateway.StartAsync(settings);
        using var live = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var before = gateway.RuntimeBackend("a");

        gateway.Reload(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = b.WsUri().ToString(),
        });
        await Eventually.HoldsAsync(() =>
        {
            try
            {
                gateway.RuntimeBackend("b");
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }, ct);

        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 5, ct)).Should().OnlyContain(s => s == 101);
        b.Served().Should().Be(5);
        a.Served().Should().Be(1);
        await live.SendTextAsync("after reload", ct);
        (await live.ReceiveMessageAsync(ct)).Text.Should().Be("after reload", "the live session keeps its backend");
        before.ActiveConnections.Should().Be(1, "the removed backend's live count is still exact");
        await live.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await Eventually.HoldsAsync(() => before.ActiveConnections == 0, ct);
    }

    [Fact]
    public async Task Reload_BackendAdded_UnchangedBackendKeepsItsRuntimeState()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:LoadBalancing"] = "RoundRobin",
            ["WebSocketProxy:Clusters:c:Backends:a:Address"] = a.WsUri().ToString(),
        };
        await using var gateway = await ReloadableGateway.StartAsync(settings);
        using var live = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var before = gateway.RuntimeBackend("a");

        gateway.Reload(new Dictionary<string, string?>(settings) { ["WebSocketProxy:Clusters:c:Backends:b:Address"] = b.WsUri().ToString() });

        gateway.RuntimeBackend("a").Should().BeSameAs(before);
        before.ActiveConnections.Should().Be(1);
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 4, ct)).Should().OnlyContain(s => s == 101);
        b.Served().Should().BeGreaterThan(0);
    }
}
