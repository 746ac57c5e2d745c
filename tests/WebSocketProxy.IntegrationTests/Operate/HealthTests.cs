using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The Kubernetes probes mapped by <c>MapWebSocketProxyHealthChecks</c>.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Probes_HealthyGateway_LiveAndReady()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway, apiKey: null);

        using var live = await http.GetAsync("/healthz", ct);
        using var ready = await http.GetAsync("/readyz", ct);

        live.StatusCode.Should().Be(HttpStatusCode.OK);
        (await live.Content.ReadAsStringAsync(ct)).Should().Be("Healthy");
        ready.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct)).RootElement;
        body.GetProperty("status").GetString().Should().Be("Healthy");
        body.GetProperty("clusters").GetProperty("c").GetString().Should().Be("1/1 healthy");
        ready.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task Readiness_ClusterWithoutAHealthyBackend_503()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(c => c with
        {
            Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString(), Draining = true } },
        });
        using var http = AdminGateway.Client(gateway, apiKey: null);

        using var ready = await http.GetAsync("/readyz", ct);

        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct)).RootElement;
        body.GetProperty("status").GetString().Should().Be("Unhealthy");
        body.GetProperty("description").GetString().Should().Contain("c");
        (await http.GetAsync("/healthz", ct)).StatusCode.Should().Be(HttpStatusCode.OK, "a gateway without backends is still alive");
    }

    [Fact]
    public async Task Readiness_UnreadyTheMomentTheShutdownDrainStarts_LivenessStaysUp()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(o =>
        {
            o.DrainTimeout = TimeSpan.FromSeconds(20);
            o.CloseTimeout = TimeSpan.FromSeconds(20);
            o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
            o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
        });
        using var http = AdminGateway.Client(gateway, apiKey: null);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct); // it will not answer the drain's close until told
        (await http.GetAsync("/readyz", ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        var stopping = gateway.App.StopAsync(ct);
        await AdminGateway.WaitUntilAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.ServiceUnavailable, ct);

        stopping.IsCompleted.Should().BeFalse("the drain is still waiting for the live session");
        using var ready = await http.GetAsync("/readyz", ct);
        JsonDocument.Parse(await ready.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("description").GetString().Should().Be("The gateway is draining for shutdown.");
        (await http.GetAsync("/healthz", ct)).StatusCode.Should().Be(HttpStatusCode.OK, "liveness must not fail during a drain, or the pod is killed mid-drain");
        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        await client.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
        await stopping;
    }
}
