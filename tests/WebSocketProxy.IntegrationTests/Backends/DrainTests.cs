using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class DrainTests
{
    [Fact]
    public async Task Drain_AdminCall_NoNewConnections_LiveSessionsClosed1012AfterGrace()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri(), b.WsUri()], c => c with { LoadBalancing = "RoundRobin", DrainGracePeriod = TimeSpan.FromSeconds(2) });
        using var onA = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        a.Served().Should().Be(1);
        var drainer = gateway.Services.GetRequiredService<IBackendDrainer>();

        drainer.Drain("c", "b0").Should().BeTrue();
        var drainedAt = DateTime.UtcNow;
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 6, ct)).Should().OnlyContain(s => s == 101);
        a.Served().Should().Be(1, "a draining backend gets no new connections");
        b.Served().Should().Be(6);

        await onA.SendTextAsync("still here", ct);
        (await onA.ReceiveMessageAsync(ct)).Text.Should().Be("still here", "live sessions run during the grace period");
        var close = await onA.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be((WebSocketCloseStatus)1012);
        (DateTime.UtcNow - drainedAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9));
        (await a.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task Resume_DrainedBackend_TakesConnectionsAgain()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri()], c => c with { DrainGracePeriod = TimeSpan.FromMinutes(1) });
        var drainer = gateway.Services.GetRequiredService<IBackendDrainer>();

        drainer.Drain("c", "b0").Should().BeTrue();
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(503);
        drainer.Resume("c", "b0").Should().BeTrue();
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);
        drainer.Drain("c", "nope").Should().BeFalse();
        drainer.Drain("nope", "b0").Should().BeFalse();
    }

    [Fact]
    public async Task Drain_ConfigFlagOnReload_NoNewConnections_LiveSessionsClosed1012()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:LoadBalancing"] = "RoundRobin",
            ["WebSocketProxy:Clusters:c:DrainGracePeriod"] = "00:00:00.200",
            ["WebSocketProxy:Clusters:c:Backends:a:Address"] = a.WsUri().ToString(),
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = b.WsUri().ToString(),
        };
        await using var gateway = await ReloadableGateway.StartAsync(settings);
        using var onA = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        a.Served().Should().Be(1);

        gateway.Reload(new Dictionary<string, string?>(settings) { ["WebSocketProxy:Clusters:c:Backends:a:Draining"] = "true" });

        var close = await onA.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be((WebSocketCloseStatus)1012);
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 4, ct)).Should().OnlyContain(s => s == 101);
        a.Served().Should().Be(1);
        b.Served().Should().Be(4);
    }
}
