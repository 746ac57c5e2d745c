using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

public sealed class HandshakeTests
{
    [Fact]
    public async Task Connect_BackendChoosesSubprotocol_ClientGetsTheSameOne()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.EchoWith(offered => offered.Contains("chat.v2") ? "chat.v2" : null));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.AddSubProtocol("chat.v1");
            o.AddSubProtocol("chat.v2");
        });

        client.SubProtocol.Should().Be("chat.v2");
        backend.Handshakes.Single().RequestedProtocols.Should().Equal("chat.v1", "chat.v2");
    }

    [Fact]
    public async Task Connect_BackendUnreachable_Returns502()
    {
        var ct = Ws.Timeout();
        await using var gateway = await TestGateway.StartAsync(Loopback.DeadAddress()); // nothing listens there: connection refused
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
    }

    [Fact]
    public async Task Connect_BackendNeverAnswers_Returns504AfterConnectTimeout()
    {
        var ct = Ws.Timeout();
        using var silent = new SilentListener();

        await using var gateway = await TestGateway.StartAsync(new Uri($"ws://127.0.0.1:{silent.Port}/ws"), cluster: c => c with { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(504);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task Connect_BackendRefusesUpgrade_StatusAndChallengePassedThrough(int refusal)
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(refusal, ("WWW-Authenticate", "Bearer realm=\"test\"")));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(refusal);
        headers.Should().ContainKey("WWW-Authenticate");
        headers!["WWW-Authenticate"].Should().ContainSingle().Which.Should().Be("Bearer realm=\"test\"");
    }

    [Fact]
    public async Task Connect_PlainHttpRequest_Returns400WithExplanation()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var http = new HttpClient();

        using var response = await http.GetAsync(gateway.Http("/ws/anything"), ct);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = await response.Content.ReadAsStringAsync(ct);
        body.Should().Contain("WebSocket").And.EndWith("\n");
        body.Trim().Should().NotContain("\n", "the explanation is one line");
        backend.Handshakes.Should().BeEmpty();
    }

    [Fact]
    public async Task Connect_WrongWebSocketVersion_Returns426WithVersionHeader()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Http("/ws"));
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        request.Headers.Add("Sec-WebSocket-Version", "8");

        using var response = await http.SendAsync(request, ct);

        ((int)response.StatusCode).Should().Be(426);
        response.Headers.GetValues("Sec-WebSocket-Version").Should().ContainSingle().Which.Should().Be("13");
        backend.Handshakes.Should().BeEmpty();
    }

    [Fact]
    public async Task Connect_CatchAllAndQuery_AppendedToBackendAddress()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(new Uri($"ws://127.0.0.1:{backend.Port}/base"));

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws/chat/room1?x=1&y=two%20words"), ct);

        var handshake = backend.Handshakes.Single();
        handshake.Path.Should().Be("/base/chat/room1");
        handshake.Query.Should().Be("?x=1&y=two%20words");
    }

    [Fact]
    public async Task Connect_HttpBackendAddress_IsUsedAsWs()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(new Uri($"http://127.0.0.1:{backend.Port}/echo"));

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("hi", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("hi");
        backend.Handshakes.Single().Path.Should().Be("/echo");
    }

    [Fact]
    public async Task Connect_AllowListAndAppendMode_ForwardedAppendedAndHandshakeHeadersRegenerated()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { ForwardHeaders = ["Cookie", "X-Tenant"], XForwarded = ForwardedHeadersMode.Append });
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.SetRequestHeader("X-Forwarded-For", "203.0.113.7");
            o.SetRequestHeader("Cookie", "session=abc");
            o.SetRequestHeader("X-Tenant", "acme");
            o.SetRequestHeader("Authorization", "Bearer secret");
            o.SetRequestHeader("X-Not-Listed", "nope");
            o.SetRequestHeader("traceparent", traceParent);
            o.DangerousDeflateOptions = new WebSocketDeflateOptions();
        });

        var headers = backend.Handshakes.Single().Headers;
        headers["X-Forwarded-For"].Should().Be("203.0.113.7, 127.0.0.1");
        headers["X-Forwarded-Proto"].Should().Be("http");
        headers["X-Forwarded-Host"].Should().Be($"127.0.0.1:{gateway.Port}");
        headers["Cookie"].Should().Be("session=abc");
        headers["X-Tenant"].Should().Be("acme");
        headers.Should().NotContainKey("Authorization");
        headers.Should().NotContainKey("X-Not-Listed");
        headers.Should().NotContainKey("Sec-WebSocket-Extensions", "the backend leg negotiates its own extensions");
        headers["Sec-WebSocket-Key"].Should().NotBeNullOrEmpty();
        headers["traceparent"].Should().Contain("0af7651916cd43dd8448eb211c80319c", "the trace id is propagated");
    }

    [Fact]
    public async Task Connect_Defaults_EveryEndToEndHeaderForwarded_ClientForwardedValuesReplaced()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { RemoveHeaders = ["X-Internal"] });

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.SetRequestHeader("X-Request-Id", "req-1");
            o.SetRequestHeader("X-Custom-Thing", "value");
            o.SetRequestHeader("Origin", "https://app.example.com");
            o.SetRequestHeader("Cookie", "session=abc");
            o.SetRequestHeader("X-Forwarded-Host", "evil.example");
            o.SetRequestHeader("X-Forwarded-For", "6.6.6.6");
            o.SetRequestHeader("X-Internal", "secret");
        });

        var headers = backend.Handshakes.Single().Headers;
        headers["X-Request-Id"].Should().Be("req-1");
        headers["X-Custom-Thing"].Should().Be("value");
        headers["Origin"].Should().Be("https://app.example.com");
        headers["Cookie"].Should().Be("session=abc");
        headers["X-Forwarded-Host"].Should().Be($"127.0.0.1:{gateway.Port}", "a client cannot claim another host by default (Set)");
        headers["X-Forwarded-For"].Should().Be("127.0.0.1");
        headers.Should().NotContainKey("X-Internal");
        headers["Host"].Should().Be(backend.WsUri().Authority, "Host comes from the backend address");
    }

    [Fact]
    public async Task Connect_ForwardedModeSet_DiscardsClientValues()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { XForwarded = ForwardedHeadersMode.Set });

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("X-Forwarded-For", "6.6.6.6"));

        backend.Handshakes.Single().Headers["X-Forwarded-For"].Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task Connect_NoBackendResponse_ClientNeverSees101()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(StatusCodes.Status503ServiceUnavailable, ("Retry-After", "7")));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(503);
        headers!["Retry-After"].Should().ContainSingle().Which.Should().Be("7");
    }
}
