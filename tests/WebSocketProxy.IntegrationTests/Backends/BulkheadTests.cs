using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class BulkheadTests
{
    [Fact]
    public async Task Connect_FullBackendSkipped_AllFull503_SlotFreedOnClose()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var b = await BackendCluster.StartAsync();
        await using var gateway = await BackendCluster.GatewayAsync(
            [a.WsUri(), b.WsUri()],
            c => c with { MaxConnectionsPerBackend = 1, HealthCheck = new HealthCheckConfig { RetryAfter = TimeSpan.FromSeconds(2) } });

        using var first = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var second = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        a.Served().Should().Be(1, "the full backend was skipped");
        b.Served().Should().Be(1);

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);
        status.Should().Be(503);
        headers!["Retry-After"].Single().Should().Be("2");

        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await Eventually.HoldsAsync(() => gateway.RuntimeBackends().Sum(x => x.ConnectionSlots) == 1, ct);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);
    }

    [Fact]
    public async Task Connect_PerBackendLimitOverridesClusterLimit()
    {
        var ct = Ws.Timeout();
        await using var a = await BackendCluster.StartAsync();
        await using var gateway = await TestGateway.StartAsync(o =>
        {
            o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
            o.Clusters["c"] = new ClusterConfig
            {
                MaxConnectionsPerBackend = 1,
                Backends = new Dictionary<string, BackendConfig> { ["b0"] = new() { Address = a.WsUri().ToString(), MaxConnections = 3 } },
            };
        });

        var clients = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(await Ws.ConnectAsync(gateway.Ws("/ws"), ct));
        }

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(503);
        clients.ForEach(c => c.Dispose());
    }
}
