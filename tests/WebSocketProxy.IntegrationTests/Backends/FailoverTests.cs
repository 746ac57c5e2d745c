using WebSocketProxy.Backends;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class FailoverTests
{
    [Fact]
    public async Task Connect_OneOfThreeBackendsDown_300ConsecutiveConnectionsSucceed()
    {
        var ct = Ws.Timeout(90);
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri(), Loopback.DeadAddress(), b.WsUri()], c => c with { LoadBalancing = "RoundRobin" });

        var statuses = await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 300, ct);

        statuses.Should().OnlyContain(s => s == 101);
        (a.Served() + b.Served()).Should().Be(300);
        gateway.RuntimeBackend("b1").HealthState().IsBreakerClosed(TimeProvider.System).Should().BeFalse("the dead backend's breaker opened and keeps it out of selection");
    }

    [Fact]
    public async Task Connect_EveryBackendDown_Returns502()
    {
        var ct = Ws.Timeout();
        await using var gateway = await BackendCluster.GatewayAsync([Loopback.DeadAddress(), Loopback.DeadAddress(), Loopback.DeadAddress()]);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
    }

    [Fact]
    public async Task Connect_OnlyBackendDown_Returns502WithoutWaitingTheRetryDelay()
    {
        var ct = Ws.Timeout();
        await using var gateway = await BackendCluster.GatewayAsync(
            [Loopback.DeadAddress()],
            c => c with { ConnectAttempts = 3, ConnectRetryDelay = TimeSpan.FromSeconds(20) });

        var started = DateTime.UtcNow;
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(10), "with one backend there is nothing to retry on, so the retry delay is not waited");
    }

    [Fact]
    public async Task Connect_OverallDeadlineExceeded_Returns504()
    {
        var ct = Ws.Timeout();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts TCP (backlog) and never answers the upgrade
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var address = new Uri($"ws://127.0.0.1:{port}/ws");
        await using var gateway = await BackendCluster.GatewayAsync(
            [address, address],
            c => c with { ConnectTimeout = TimeSpan.FromSeconds(10), ConnectDeadline = TimeSpan.FromMilliseconds(300) });

        var started = DateTime.UtcNow;
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(504);
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Connect_BackendRefusesWithStatus_NotRetriedOnAnother()
    {
        var ct = Ws.Timeout();
        await using var refusing = await TestBackend.StartAsync(BackendHandlers.Refuse(403));
        await using var healthy = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([refusing.WsUri(), healthy.WsUri()], c => c with { LoadBalancing = "RoundRobin" });

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(403, "a refusal is the backend's answer, passed through, not a failure to fail over from");
        healthy.Served().Should().Be(0);
    }
}
