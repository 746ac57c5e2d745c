using System.Diagnostics;
using System.Net;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class ActiveHealthTests
{
    private readonly ITestOutputHelper _output;

    public ActiveHealthTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static ClusterConfig Probing(ClusterConfig cluster, HealthProbeKind kind = HealthProbeKind.Http, bool panic = false) => cluster with
    {
        LoadBalancing = "RoundRobin",
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthConfig { Enabled = true, Interval = TimeSpan.FromMilliseconds(200), Timeout = TimeSpan.FromSeconds(1), UnhealthyThreshold = 2, HealthyThreshold = 1, Kind = kind },
            PanicMode = panic,
            RetryAfter = TimeSpan.FromSeconds(3),
        },
    };

    [Fact]
    public async Task HttpProbe_BackendReportsUnhealthy_LeavesSelection_ThenReturns()
    {
        var ct = Ws.Timeout(30);
        var bHealthy = true;
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync(() => Volatile.Read(ref bHealthy));
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri(), b.WsUri()], c => Probing(c));
        var runtime = gateway.RuntimeBackend("b1");
        await Eventually.HoldsAsync(() => runtime.HealthState().Active == BackendHealthState.Healthy, ct);

        Volatile.Write(ref bHealthy, false);
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(() => runtime.HealthState().Active == BackendHealthState.Unhealthy, ct);
        _output.WriteLine($"Active HTTP probe (200 ms interval, threshold 2): unhealthy after {watch.ElapsedMilliseconds} ms.");
        var served = b.Served();
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 10, ct)).Should().OnlyContain(s => s == 101);
        b.Served().Should().Be(served, "an unhealthy backend gets no new connections");

        Volatile.Write(ref bHealthy, true);
        await Eventually.HoldsAsync(() => runtime.HealthState().Active == BackendHealthState.Healthy, ct);
        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 10, ct)).Should().OnlyContain(s => s == 101);
        b.Served().Should().BeGreaterThan(served);
    }

    [Fact]
    public async Task WebSocketProbe_BackendDies_RemovedFromSelection()
    {
        var ct = Ws.Timeout(30);
        await using var a = await BackendCluster.StartAsync();
        var b = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri(), b.WsUri()], c => Probing(c, HealthProbeKind.WebSocket));
        var runtime = gateway.RuntimeBackend("b1");
        await Eventually.HoldsAsync(() => runtime.HealthState().Active == BackendHealthState.Healthy, ct);
        b.Handshakes.Should().NotBeEmpty("the probe is a real WebSocket handshake");

        await b.DisposeAsync();
        var watch = Stopwatch.StartNew();
        await Eventually.HoldsAsync(() => runtime.HealthState().Active == BackendHealthState.Unhealthy, ct);
        _output.WriteLine($"Active WebSocket probe (200 ms interval, threshold 2): backend removed {watch.ElapsedMilliseconds} ms after its death, with no client traffic.");

        (await BackendCluster.ConnectManyAsync(gateway.Ws("/ws"), 10, ct)).Should().OnlyContain(s => s == 101);
    }

    [Fact]
    public async Task AllUnhealthy_Returns503WithRetryAfter()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync(() => false);
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri()], c => Probing(c));
        await Eventually.HoldsAsync(() => gateway.RuntimeBackend("b0").HealthState().Active == BackendHealthState.Unhealthy, ct);

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(StatusCodes.Status503ServiceUnavailable);
        headers!["Retry-After"].Single().Should().Be("3");
        a.Served().Should().Be(0);
    }

    [Fact]
    public async Task AllUnhealthy_PanicMode_TriesThemAnyway()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync(() => false);
        await using var gateway = await BackendCluster.GatewayAsync([a.WsUri()], c => Probing(c, panic: true));
        await Eventually.HoldsAsync(() => gateway.RuntimeBackend("b0").HealthState().Active == BackendHealthState.Unhealthy, ct);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(101);
    }

    [Fact]
    public async Task HealthCheck_ReadyWhileEveryClusterHasAHealthyBackend_AndGaugeReportsEachBackend()
    {
        var ct = Ws.Timeout();
        var healthy = true;
        await using var a = await BackendCluster.StartAsync(() => Volatile.Read(ref healthy));
        await using var gateway = await BackendCluster.GatewayAsync(
            [a.WsUri()],
            c => Probing(c),
            services => services.AddHealthChecks().AddWebSocketProxyBackendAvailability(tags: ["ready"]),
            app =>
            {
                app.MapWebSocketProxy();
                app.MapHealthChecks("/ready");
            });
        using var http = new HttpClient();
        using var gauge = new MetricCollector<int>(gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.backend.health");
        await Eventually.HoldsAsync(() => gateway.RuntimeBackend("b0").HealthState().Active == BackendHealthState.Healthy, ct);

        (await http.GetAsync(gateway.Http("/ready"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        gauge.RecordObservableInstruments();
        var up = gauge.LastMeasurement!;
        up.Value.Should().Be(1);
        up.Tags["cluster"].Should().Be("c");
        up.Tags["backend"].Should().Be("b0");

        Volatile.Write(ref healthy, false);
        await Eventually.HoldsAsync(() => gateway.RuntimeBackend("b0").HealthState().Active == BackendHealthState.Unhealthy, ct);
        (await http.GetAsync(gateway.Http("/ready"), ct)).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        gauge.RecordObservableInstruments();
        gauge.LastMeasurement!.Value.Should().Be(0);
    }
}
