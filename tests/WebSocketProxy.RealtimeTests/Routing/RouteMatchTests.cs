using FluentAssertions;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.Routing;

/// <summary>
/// YARP-shaped route matching (<c>Routes:&lt;id&gt;:Match:Hosts</c>, <c>Match:Headers</c>, <c>Match:QueryParameters</c>):
/// requests to one path go to different clusters by host, header or query value, with YARP's semantics (a route
/// with a header or query match wins over one without; no matching route is a 404).
/// </summary>
public sealed class RouteMatchTests
{
    [Fact(Timeout = 60_000)]
    public async Task Hosts_SamePath_GoToTheClusterOfTheirHost()
    {
        var ct = Bounded.Token(30);
        await using var ws = await NameBackend.StartAsync("ws-backend", ct);
        await using var api = await NameBackend.StartAsync("api-backend", ct);
        var settings = new GatewaySettings()
            .Route("ws-host", "/chat/{**rest}", "ws").MatchHosts("ws-host", "ws.example.com")
            .Route("api-host", "/chat/{**rest}", "api").MatchHosts("api-host", "api.example.com")
            .Cluster("ws", [(ws.Name, ws.Address)])
            .Cluster("api", [(api.Name, api.Address)]);
        await using var gateway = await RealtimeGateway.StartAsync(settings, ct);

        var toWs = await LoopbackClient.FirstMessageAsync(new Uri($"ws://ws.example.com:{gateway.Port}/chat"), gateway.Port, ct);
        var toApi = await LoopbackClient.FirstMessageAsync(new Uri($"ws://api.example.com:{gateway.Port}/chat"), gateway.Port, ct);
        var toOther = await LoopbackClient.FirstMessageAsync(new Uri($"ws://other.example.com:{gateway.Port}/chat"), gateway.Port, ct);

        toWs.Should().Be((101, "ws-backend"));
        toApi.Should().Be((101, "api-backend"));
        toOther.Status.Should().Be(404, "no route matches that host");
    }

    [Fact(Timeout = 60_000)]
    public async Task Header_XApiVersion2_GoesToTheV2Cluster()
    {
        var ct = Bounded.Token(30);
        await using var v1 = await NameBackend.StartAsync("v1-backend", ct);
        await using var v2 = await NameBackend.StartAsync("v2-backend", ct);
        var settings = new GatewaySettings()
            .Route("v1", "/api/{**rest}", "v1")
            .Route("v2", "/api/{**rest}", "v2").MatchHeader("v2", "X-Api-Version", ["2"], "ExactHeader")
            .Cluster("v1", [(v1.Name, v1.Address)])
            .Cluster("v2", [(v2.Name, v2.Address)]);
        await using var gateway = await RealtimeGateway.StartAsync(settings, ct);
        var uri = gateway.Ws("/api/stream");

        var withV2 = await LoopbackClient.FirstMessageAsync(uri, gateway.Port, ct, new Dictionary<string, string> { ["X-Api-Version"] = "2" });
        var withV3 = await LoopbackClient.FirstMessageAsync(uri, gateway.Port, ct, new Dictionary<string, string> { ["X-Api-Version"] = "3" });
        var without = await LoopbackClient.FirstMessageAsync(uri, gateway.Port, ct);

        withV2.Should().Be((101, "v2-backend"));
        withV3.Should().Be((101, "v1-backend"));
        without.Should().Be((101, "v1-backend"));
    }

    [Fact(Timeout = 60_000)]
    public async Task QueryParameter_GoesToTheClusterOfItsValue()
    {
        var ct = Bounded.Token(30);
        await using var v1 = await NameBackend.StartAsync("v1-backend", ct);
        await using var v2 = await NameBackend.StartAsync("v2-backend", ct);
        var settings = new GatewaySettings()
            .Route("v1", "/api/{**rest}", "v1")
            .Route("v2", "/api/{**rest}", "v2").MatchQueryParameter("v2", "version", ["2"], "Exact")
            .Cluster("v1", [(v1.Name, v1.Address)])
            .Cluster("v2", [(v2.Name, v2.Address)]);
        await using var gateway = await RealtimeGateway.StartAsync(settings, ct);

        var withV2 = await LoopbackClient.FirstMessageAsync(gateway.Ws("/api/stream?version=2"), gateway.Port, ct);
        var without = await LoopbackClient.FirstMessageAsync(gateway.Ws("/api/stream"), gateway.Port, ct);

        withV2.Should().Be((101, "v2-backend"));
        without.Should().Be((101, "v1-backend"));
    }
}
