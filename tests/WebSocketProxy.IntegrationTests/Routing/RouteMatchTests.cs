using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Backends;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Routing;

/// <summary>Route matching beyond the path (<c>Match</c>) in code and its validation, and the HTTP half in code (<c>WithForwardHttp</c>).</summary>
public sealed class RouteMatchTests
{
    [Fact]
    public async Task MapInCode_WithHeaderAndQueryParameter_SelectTheirRoutesOverThePlainOne()
    {
        var ct = Ws.Timeout();
        await using var plain = await RealtimeBackend.StartAsync("plain");
        await using var header = await RealtimeBackend.StartAsync("header");
        await using var query = await RealtimeBackend.StartAsync("query");
        await using var gateway = await TestGateway.StartAsync(_ => { }, map: app =>
        {
            app.MapWebSocketProxy("/api", r => r.ToBackends(plain.WsUri().ToString()));
            app.MapWebSocketProxy("/api", r => r.ToBackends(header.WsUri().ToString()).WithHeader("X-Api-Version", ["2"]));
            app.MapWebSocketProxy("/api", r => r.ToBackends(query.WsUri().ToString()).WithQueryParameter("beta", [], QueryParameterMatchMode.Exists));
        });

        var toPlain = await FirstMessageAsync(gateway.Ws("/api"), ct);
        var toHeader = await FirstMessageAsync(gateway.Ws("/api"), ct, ("X-Api-Version", "1, 2"));
        var toQuery = await FirstMessageAsync(gateway.Ws("/api?beta=yes"), ct);

        toPlain.Should().Be("plain");
        toHeader.Should().Be("header", "ExactHeader compares each comma-separated value");
        toQuery.Should().Be("query");
    }

    [Fact]
    public async Task MapInCode_WithForwardHttp_ForwardsPlainRequests()
    {
        var ct = Ws.Timeout();
        await using var backend = await RealtimeBackend.StartAsync("backend");
        await using var gateway = await TestGateway.StartAsync(_ => { }, map: app =>
        {
            app.MapWebSocketProxy("/off/{**rest}", r => r.ToBackends(backend.WsUri().ToString()));
            app.MapWebSocketProxy("/on/{**rest}", r => r.ToBackends(backend.WsUri().ToString()).WithForwardHttp());
        });
        using var http = new HttpClient();

        using var off = await http.GetAsync(gateway.Http("/off/poll"), ct);
        using var on = await http.GetAsync(gateway.Http("/on/poll?x=1"), ct);

        off.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        on.StatusCode.Should().Be(HttpStatusCode.OK);
        (await on.Content.ReadAsStringAsync(ct)).Should().Be("backend");
        backend.Handshakes.Single().Path.Should().Be("/ws/poll");
        backend.Handshakes.Single().Query.Should().Be("?x=1");
        backend.Handshakes.Single().Headers["X-Forwarded-For"].Should().Be("127.0.0.1", "the route's header policy applies to the HTTP half too");
    }

    [Fact]
    public async Task Configuration_BadMatchAndAffinity_EveryErrorNamesItsKey()
    {
        var start = async () =>
        {
            await using var gateway = await TestGateway.StartAsync(o =>
            {
                o.Routes["r"] = new RouteConfig
                {
                    Path = "/ws",
                    Cluster = "c",
                    ForwardHttp = true,
                    Affinity = new SessionAffinityConfig { KeyLifetime = TimeSpan.Zero, MaxKeys = 0, CookieName = "bad name" },
                    Match = new RouteMatchConfig
                    {
                        Hosts = ["ws.example.com", " "],
                        Headers = [new RouteHeaderMatchConfig { Values = ["2"] }, new RouteHeaderMatchConfig { Name = "X-A", Mode = HeaderMatchMode.Exists, Values = ["x"] }],
                        QueryParameters = [new RouteQueryParameterMatchConfig { Name = "v" }],
                    },
                };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = "ws://127.0.0.1:1/" } } };
            });
        };

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;

        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:r:Match:Hosts:1 ", StringComparison.Ordinal));
        error.Failures.Should().Contain("WebSocketProxy:Routes:r:Match:Headers:0:Name is required.");
        error.Failures.Should().Contain("WebSocketProxy:Routes:r:Match:Headers:1:Values must be empty for mode Exists.");
        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:r:Match:QueryParameters:0:Values must list at least one value", StringComparison.Ordinal));
        error.Failures.Should().Contain("WebSocketProxy:Routes:r:Affinity:KeyLifetime must be positive.");
        error.Failures.Should().Contain("WebSocketProxy:Routes:r:Affinity:MaxKeys must be at least 1.");
        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:r:Affinity:CookieName ", StringComparison.Ordinal));
    }

    private static async Task<string> FirstMessageAsync(Uri uri, CancellationToken cancellationToken, (string Name, string Value)? header = null)
    {
        using var socket = await Ws.ConnectAsync(uri, cancellationToken, o =>
        {
            if (header is { } h)
            {
                o.SetRequestHeader(h.Name, h.Value);
            }
        });
        var message = await socket.ReceiveMessageAsync(cancellationToken);
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        return message.Text;
    }
}
