using FluentAssertions;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.GraphQL;

/// <summary>
/// GraphQL over WebSocket: the <c>graphql-ws</c> client (on Node's <c>ws</c>) through the gateway to two
/// <c>graphql-ws</c> servers, subprotocol <c>graphql-transport-ws</c>. Pure WebSocket, so no HTTP half is needed.
/// </summary>
public sealed class GraphQLWsTests
{
    private const int Events = 100;

    [Fact(Timeout = 90_000)]
    public async Task Subscription_TwoBackends_Streams100EventsInOrder()
    {
        var ct = Bounded.Token(60);
        await using var servers = await NodeServers.StartAsync("graphql-server.mjs", 2, ct);
        var settings = new GatewaySettings()
            .Route("graphql", "/graphql", "graphql", forwardHttp: true)
            .Cluster("graphql", servers.Ports.Select((port, i) => ($"gql-{i + 1}", new Uri($"ws://127.0.0.1:{port}/graphql"))));
        await using var gateway = await RealtimeGateway.StartAsync(settings, ct);

        using var result = await NodeScript.RunAsync("graphql-client.mjs", [gateway.Ws("/graphql").ToString(), "4", Events.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);

        var clients = result.RootElement.GetProperty("clients").EnumerateArray().ToList();
        clients.Should().HaveCount(4);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            client.GetProperty("errors").GetArrayLength().Should().Be(0, "client {0} reports {1}; servers reported:\n{2}", client.GetProperty("index"), client.GetProperty("errors"), servers.Events);
            client.GetProperty("protocol").GetString().Should().Be("graphql-transport-ws");
            client.GetProperty("numbers").EnumerateArray().Select(n => n.GetInt32()).Should().Equal(Enumerable.Range(1, Events));
            var clientServers = client.GetProperty("servers").EnumerateArray().Select(s => s.GetString()!).ToList();
            clientServers.Should().ContainSingle();
            used.Add(clientServers[0]);
        }

        used.Should().HaveCount(2, "a round-robin cluster spreads four connections over both servers");
    }
}
