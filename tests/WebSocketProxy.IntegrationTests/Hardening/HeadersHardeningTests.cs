using WebSocketProxy.Testing;
using FluentAssertions;
using FluentAssertions.Execution;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, items 1, 2, 4, 13 and 14: what crosses the proxy in the handshake. A plain route must behave like a
/// transparent proxy (end-to-end headers and Origin arrive, cross-origin browsers connect, X-Forwarded-* is the
/// proxy's own), while a refused handshake relays only safe headers and an encoded traversal never reaches a backend.
/// </summary>
[Trait("Issue", "10")]
public sealed class HeadersHardeningTests
{
    private const string ClientKey = "dGhlIHNhbXBsZSBub25jZQ=="; // the key RawHttp.Upgrade sends

    /// <summary>
    /// Item 1. No <c>ForwardHeaders</c>: every end-to-end request header reaches the backend (like YARP and nginx),
    /// except hop-by-hop ones (including those named in <c>Connection</c>), <c>Host</c> (the backend's own) and the
    /// <c>Sec-WebSocket-*</c> handshake headers (regenerated for the backend leg).
    /// </summary>
    [Fact]
    public async Task Item1_NoForwardHeadersConfigured_EndToEndHeadersReachBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);
        var origin = $"http://127.0.0.1:{gateway.Port}"; // same origin: allowed by today's Origin check as well
        var request = $"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{gateway.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade, X-Hop\r\n"
            + $"Sec-WebSocket-Key: {ClientKey}\r\nSec-WebSocket-Version: 13\r\n"
            + $"Origin: {origin}\r\nX-Request-Id: req-123\r\nX-Custom-Thing: abc\r\nAccept-Language: fr-CH\r\n"
            + "X-Hop: hop-secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n\r\n";

        using var client = await RawWebSocketClient.SendRequestAsync(gateway.Port, request, ct);

        client.Status.Should().Be(101, client.Head);
        var headers = backend.Handshakes.Should().ContainSingle().Subject.Headers;
        using (new AssertionScope())
        {
            headers.Should().Contain("X-Request-Id", "req-123");
            headers.Should().Contain("X-Custom-Thing", "abc");
            headers.Should().Contain("Accept-Language", "fr-CH");
            headers.Should().Contain("Origin", origin);
            headers.Should().Contain("Host", $"127.0.0.1:{backend.Port}", "Host is the backend's own");
            // A header named in Connection is hop-by-hop too, and the proxy drops those it can see; but Kestrel normalises
            // an upgrade request's Connection header to "Upgrade" before any middleware runs, so behind Kestrel the names
            // are not visible (servers that keep them, such as HTTP.sys, get them dropped).
            headers.Should().NotContainKey("Keep-Alive");
            headers.Should().NotContainKey("Proxy-Connection");
            headers.Should().NotContainKey("TE");
            headers["Sec-WebSocket-Key"].Should().NotBe(ClientKey, "the backend leg makes its own handshake");
        }
    }

    /// <summary>Item 1. <c>Routes:&lt;id&gt;:RemoveHeaders</c> drops the listed headers from the default forward-everything set.</summary>
    [Fact]
    public async Task Item1_RemoveHeadersConfigured_ListedHeaderDroppedOthersForwarded()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:RemoveHeaders:0"] = "X-Internal-Secret";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct, null, "X-Internal-Secret: s3cr3t", "X-Request-Id: req-456");

        client.Status.Should().Be(101, client.Head);
        var headers = backend.Handshakes.Should().ContainSingle().Subject.Headers;
        using (new AssertionScope())
        {
            headers.Should().NotContainKey("X-Internal-Secret");
            headers.Should().Contain("X-Request-Id", "req-456");
        }
    }

    /// <summary>Item 1 (guard: passes today and must keep passing). <c>ForwardHeaders</c> stays an opt-in allow-list: only listed headers cross.</summary>
    [Fact]
    public async Task Item1_ForwardHeadersAllowList_OnlyListedHeadersForwarded()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:ForwardHeaders:0"] = "X-Listed";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct, null, "X-Listed: yes", "X-Unlisted: no");

        client.Status.Should().Be(101, client.Head);
        var headers = backend.Handshakes.Should().ContainSingle().Subject.Headers;
        headers.Should().Contain("X-Listed", "yes");
        headers.Should().NotContainKey("X-Unlisted");
    }

    /// <summary>Item 2. No <c>AllowedOrigins</c>: any Origin may connect (as ASP.NET Core's own WebSocketOptions), so app.example.com → ws.example.com works out of the box.</summary>
    [Fact]
    public async Task Item2_NoAllowedOriginsConfigured_CrossOriginBrowserGets101()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("Origin", "https://app.example.com"));

        status.Should().Be(101);
        backend.Handshakes.Should().ContainSingle();
    }

    /// <summary>
    /// Item 2. Allowing any Origin by default is a cross-site WebSocket hijacking risk on routes that authenticate (cookie auth
    /// without an Origin check), so startup logs one warning for each route that requires authorization and has no
    /// <c>AllowedOrigins</c> list — and none for an anonymous route or a route with a list.
    /// </summary>
    [Fact]
    public async Task Item2_AuthorizedRouteWithoutOriginList_OneStartupWarningNamingIt()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:secure-chat:Path"] = "/secure",
            ["WebSocketProxy:Routes:secure-chat:Cluster"] = "c",
            ["WebSocketProxy:Routes:secure-chat:AuthorizationPolicy"] = "default",
            ["WebSocketProxy:Routes:listed-chat:Path"] = "/listed",
            ["WebSocketProxy:Routes:listed-chat:Cluster"] = "c",
            ["WebSocketProxy:Routes:listed-chat:AuthorizationPolicy"] = "default",
            ["WebSocketProxy:Routes:listed-chat:AllowedOrigins:0"] = "https://app.example.com",
            ["WebSocketProxy:Routes:public-chat:Path"] = "/public",
            ["WebSocketProxy:Routes:public-chat:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b1:Address"] = backend.WsUri().ToString(),
        };

        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct, TestAuth.AddTo, captureLogs: true);

        var warnings = gateway.Logs.GetSnapshot()
            .Where(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && r.Category?.StartsWith("WebSocketProxy", StringComparison.Ordinal) == true)
            .Select(r => r.Message)
            .ToList();
        using (new AssertionScope())
        {
            warnings.Where(m => m.Contains("secure-chat", StringComparison.Ordinal)).Should().ContainSingle("one warning for the authorized route without an Origin list")
                .Which.Should().ContainEquivalentOf("origin");
            warnings.Should().NotContain(m => m.Contains("listed-chat", StringComparison.Ordinal) || m.Contains("public-chat", StringComparison.Ordinal));
        }
    }

    /// <summary>Item 4. The default <c>XForwarded</c> mode is <c>Set</c>: the client's own X-Forwarded-* values are replaced, never passed on first.</summary>
    [Fact]
    public async Task Item4_DefaultXForwarded_ClientValuesReplaced()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct, null, "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https");

        client.Status.Should().Be(101, client.Head);
        var headers = backend.Handshakes.Should().ContainSingle().Subject.Headers;
        using (new AssertionScope())
        {
            headers.Should().Contain("X-Forwarded-For", "127.0.0.1");
            headers.Should().Contain("X-Forwarded-Host", $"127.0.0.1:{gateway.Port}");
            headers.Should().Contain("X-Forwarded-Proto", "http");
        }
    }

    /// <summary>Item 4 (guard: passes today and must keep passing). <c>XForwarded: Append</c> stays available for routes behind a trusted proxy.</summary>
    [Fact]
    public async Task Item4_XForwardedAppendConfigured_ClientValuesKept()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:XForwarded"] = "Append";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct, null, "X-Forwarded-For: 10.1.2.3");

        client.Status.Should().Be(101, client.Head);
        backend.Handshakes.Should().ContainSingle().Subject.Headers.Should().Contain("X-Forwarded-For", "10.1.2.3, 127.0.0.1");
    }

    /// <summary>
    /// Item 13. A refused backend handshake passes through only a safe set of headers (<c>WWW-Authenticate</c>,
    /// <c>Retry-After</c>, content type) plus the route's <c>Routes:&lt;id&gt;:PassThroughResponseHeaders</c> list
    /// (a route-level key, next to <c>ForwardHeaders</c> and <c>RemoveHeaders</c>); cookies and internal headers stay behind.
    /// </summary>
    [Fact]
    public async Task Item13_BackendRefusesWithHeaders_OnlySafeAndListedHeadersRelayed()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(
            401,
            ("WWW-Authenticate", "Bearer realm=\"backend\""),
            ("Retry-After", "7"),
            ("Set-Cookie", "backend_session=leaked; Path=/"),
            ("X-Internal-Debug", "node=db-3"),
            ("X-Allowed-Extra", "yes")));
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:PassThroughResponseHeaders:0"] = "X-Allowed-Extra";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);

        client.Status.Should().Be(401, client.Head);
        using (new AssertionScope())
        {
            RawFrames.HeaderValues(client.Head, "WWW-Authenticate").Should().Equal("Bearer realm=\"backend\"");
            RawFrames.HeaderValues(client.Head, "Retry-After").Should().Equal("7");
            RawFrames.HeaderValues(client.Head, "X-Allowed-Extra").Should().Equal("yes");
            RawFrames.HeaderValues(client.Head, "Set-Cookie").Should().BeEmpty("a backend cookie is not the gateway's to hand out");
            RawFrames.HeaderValues(client.Head, "X-Internal-Debug").Should().BeEmpty();
        }
    }

    /// <summary>
    /// Item 14. A dot-dot segment the server did not normalise (an encoded slash <c>%2F</c>, or Tomcat's <c>..;</c> path
    /// parameter) in the catch-all is refused with 400 before any backend URL is built. A plain <c>%2e%2e/</c> is decoded and
    /// removed by Kestrel before routing (the proxy sees <c>/ws/admin</c>, or nothing matches), so it is not a case here.
    /// </summary>
    [Theory]
    [InlineData("/ws/..%2Fadmin")]
    [InlineData("/ws/..%2fadmin")]
    [InlineData("/ws/..;/admin")]
    [InlineData("/ws/a/..;/admin")]
    [InlineData("/ws/%2e%2e%2Fadmin")]
    [InlineData("/ws/.%2e%2Fadmin")]
    public async Task Item14_EncodedTraversalInCatchAll_400AndNotForwarded(string path)
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri("/base/")), ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, path, ct);

        client.Status.Should().Be(400, "the backend saw {0}", backend.Handshakes.Select(h => h.Path).FirstOrDefault() ?? "nothing");
        backend.Handshakes.Should().BeEmpty();
    }
}
