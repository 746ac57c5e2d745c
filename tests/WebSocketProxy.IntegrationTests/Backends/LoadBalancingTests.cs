using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Backends;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class LoadBalancingTests
{
    private readonly ITestOutputHelper _output;

    public LoadBalancingTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Theory]
    [InlineData(LoadBalancingPolicies.PowerOfTwoChoices)]
    [InlineData(LoadBalancingPolicies.RoundRobin)]
    [InlineData(LoadBalancingPolicies.LeastConnections)]
    [InlineData(LoadBalancingPolicies.Random)]
    [InlineData(LoadBalancingPolicies.ConsistentHash)]
    public async Task Connect_FourBackends_LiveConnectionsSpreadAndCountsAreExact(string policy)
    {
        const int Connections = 200;
        var ct = Ws.Timeout(60);
        var backends = await BackendCluster.StartManyAsync(4);
        try
        {
            await using var gateway = await BackendCluster.GatewayAsync(
                [.. backends.Select(b => b.WsUri())],
                c => c with { LoadBalancing = policy, HashKey = "header:X-User" });
            var clients = new List<ClientWebSocket>();
            for (var i = 0; i < Connections; i++)
            {
                var user = $"user-{i}";
                clients.Add(await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("X-User", user)));
            }

            var runtime = gateway.RuntimeBackends();
            var served = backends.Select(b => b.Served()).ToArray();
            _output.WriteLine($"{policy}: {string.Join(", ", served)} of {Connections} live connections");
            served.Sum().Should().Be(Connections);
            runtime.Sum(b => b.ActiveConnections).Should().Be(Connections);
            for (var i = 0; i < backends.Length; i++)
            {
                runtime.Single(b => b.Address == backends[i].WsUri()).ActiveConnections.Should().Be(served[i], "the live count is exact");
                served[i].Should().BeInRange(Connections / 4 / 2, Connections / 4 * 2, $"{policy} spreads over every backend");
            }

            foreach (var client in clients)
            {
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", ct);
                client.Dispose();
            }

            await Eventually.HoldsAsync(() => runtime.All(b => b.ActiveConnections == 0 && b.ConnectionSlots == 0), ct);
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Connect_ConsistentHashOnQuery_SameRoomSameBackend()
    {
        var ct = Ws.Timeout();
        var backends = await BackendCluster.StartManyAsync(3);
        try
        {
            await using var gateway = await BackendCluster.GatewayAsync(
                [.. backends.Select(b => b.WsUri())],
                c => c with { LoadBalancing = LoadBalancingPolicies.ConsistentHash, HashKey = "query:room" });

            for (var i = 0; i < 10; i++)
            {
                using var client = await Ws.ConnectAsync(gateway.Ws("/ws?room=lobby"), ct);
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            }

            backends.Select(b => b.Served()).Should().ContainSingle(n => n == 10).And.Contain(0);
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
