using WebSocketProxy.Backends;
using System.Diagnostics;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class PassiveHealthTests
{
    private static readonly HealthCheckConfig QuickBreaker = new()
    {
        Passive = new PassiveHealthConfig { MinimumThroughput = 2, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(30) },
        RetryAfter = TimeSpan.FromSeconds(7),
    };

    private readonly ITestOutputHelper _output;

    public PassiveHealthTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task BackendDies_BreakerOpens_BackendLeavesSelection()
    {
        var ct = Ws.Timeout(30);
        await using var a = await BackendCluster.StartAsync();
        var b = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri(), b.WsUri()], c => c with { LoadBalancing = "RoundRobin", HealthCheck = QuickBreaker });
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 4, ct)).Should().OnlyContain(s => s == 101);
        var dying = gateway.RuntimeBackend("b1");

        await b.DisposeAsync();
        var died = Stopwatch.StartNew();
        var connections = 0;
        while (dying.HealthState().IsBreakerClosed(TimeProvider.System))
        {
            (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101, "failover hides the dead backend");
            connections++;
        }

        died.Stop();
        _output.WriteLine($"Passive health: backend removed {died.Elapsed.TotalMilliseconds:F0} ms after its death, after {connections} connections (each one succeeded).");
        var servedBefore = a.Served();
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 20, ct)).Should().OnlyContain(s => s == 101);
        a.Served().Should().Be(servedBefore + 20);
    }

    [Fact]
    public async Task BackendVanishesMidSession_CountsAsFailure_BreakerOpens()
    {
        var ct = Ws.Timeout();
        await using var vanishing = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, context) =>
        {
            await socket.ReceiveAsync(new byte[16], CancellationToken.None);
            context.Abort(); // gone without a close frame
        }));
        // Two successful connects and two vanished sessions: 4 outcomes, half failures.
        var health = QuickBreaker with { Passive = QuickBreaker.Passive! with { MinimumThroughput = 4 }, PanicMode = false };
        await using var gateway = await BackendCluster.GatewayAsync([vanishing.WsUri()], c => c with { HealthCheck = health });

        for (var i = 0; i < 2; i++)
        {
            using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
            await client.SendTextAsync("hi", ct);
            var close = await client.ReceiveCloseAsync(ct);
            close.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
            if (i == 0)
            {
                gateway.RuntimeBackend("b0").HealthState().IsBreakerClosed(TimeProvider.System).Should().BeTrue("one failure in two outcomes is under the minimum throughput");
            }
        }

        await Eventually.HoldsAsync(() => !gateway.RuntimeBackend("b0").HealthState().IsBreakerClosed(TimeProvider.System), ct);
        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);
        status.Should().Be(503);
        headers!["Retry-After"].Single().Should().Be("7");
    }

    [Fact]
    public async Task OnlyBackendDown_BreakerOpenPanicOff_Returns503WithRetryAfter()
    {
        var ct = Ws.Timeout();
        await using var gateway = await BackendCluster.GatewayAsync([Loopback.DeadAddress()], c => c with { HealthCheck = QuickBreaker with { PanicMode = false } });

        var first = await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 2, ct);
        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        first.Should().Equal(502, 502);
        status.Should().Be(StatusCodes.Status503ServiceUnavailable);
        headers!["Retry-After"].Single().Should().Be("7");
    }

    [Fact]
    public async Task OnlyBackendCrashesAndReturns_Defaults_ServedAsSoonAsItIsBack()
    {
        var ct = Ws.Timeout();
        var down = true;
        await using var backend = await TestBackend.StartAsync(async (self, context) =>
        {
            if (Volatile.Read(ref down))
            {
                context.Abort(); // crashed: the connection dies before any answer
                return;
            }

            await BackendHandlers.Echo(self, context);
        });
        await using var gateway = await BackendCluster.GatewayAsync([backend.WsUri()], c => c with { HealthCheck = QuickBreaker with { PanicMode = null } });

        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 2, ct)).Should().Equal(502, 502);
        gateway.RuntimeBackend("b0").HealthState().IsBreakerClosed(TimeProvider.System).Should().BeFalse("the breaker opened for its 30 s break");
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(502, "panic mode keeps trying the only backend while it is down");

        Volatile.Write(ref down, false);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("back", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("back", "the first connection after the backend returned is served, not 30 s of 503");
        await Eventually.HoldsAsync(() => gateway.RuntimeBackend("b0").HealthState().IsBreakerClosed(TimeProvider.System), ct);
    }

    [Fact]
    public async Task PassiveDisabled_DeadBackendKeepsBeingTried()
    {
        var ct = Ws.Timeout();
        await using var gateway = await BackendCluster.GatewayAsync(
            [Loopback.DeadAddress()],
            c => c with { HealthCheck = new HealthCheckConfig { Passive = new PassiveHealthConfig { Enabled = false } } });

        var statuses = await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 6, ct);

        statuses.Should().OnlyContain(s => s == 502);
    }
}
