using System.Net;
using System.Net.Security;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Http2;

/// <summary>
/// WebSockets over HTTP/2 (RFC 8441, extended CONNECT) on the gateway's client leg, configured only through Kestrel's
/// configuration keys: a TLS endpoint (ALPN h2) with a test certificate, and a cleartext HTTP/2-only endpoint (h2c with
/// prior knowledge). The client is .NET's <see cref="ClientWebSocket"/> asking for HTTP/2 exactly.
/// </summary>
public sealed class Http2WebSocketTests
{
    private readonly GatewayPublish _publish;

    public Http2WebSocketTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    [Fact]
    public async Task ExtendedConnect_OverTlsAndH2c_ProxiesToHttp11Backend()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        using var certificate = TestCertificate.Create();
        await using var echo = await LoopbackEcho.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__h2c__Url"] = "http://127.0.0.1:0",
            ["Kestrel__Endpoints__h2c__Protocols"] = "Http2",
            ["Kestrel__Endpoints__tls__Url"] = "https://127.0.0.1:0",
            ["Kestrel__Endpoints__tls__Protocols"] = "Http1AndHttp2",
            ["Kestrel__Endpoints__tls__Certificate__Path"] = certificate.PfxPath,
            ["Kestrel__Endpoints__tls__Certificate__Password"] = certificate.Password,
            ["WebSocketProxy__Routes__echo__Path"] = "/ws/{**rest}",
            ["WebSocketProxy__Routes__echo__Cluster"] = "echo",
            ["WebSocketProxy__Clusters__echo__Backends__main__Address"] = echo.WsUri("/echo").ToString(),
        }, ct);
        var h2c = gateway.Urls.Single(u => u.Scheme == "http");
        var tls = gateway.Urls.Single(u => u.Scheme == "https");
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.Certificate.GetCertHashString(),
            },
        };
        using var invoker = new HttpMessageInvoker(handler);

        foreach (var uri in new[] { new Uri($"wss://127.0.0.1:{tls.Port}/ws/over-tls?id=tls"), new Uri($"ws://127.0.0.1:{h2c.Port}/ws/over-h2c?id=h2c") })
        {
            using var socket = await Ws.ConnectAsync(uri, ct, options =>
            {
                options.HttpVersion = HttpVersion.Version20;
                options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            }, invoker);

            socket.HttpStatusCode.Should().Be(HttpStatusCode.OK, $"{uri.Scheme}: an HTTP/2 WebSocket is accepted with 200, not 101");
            await socket.SendTextAsync($"hello over {uri.Scheme}", ct);
            (await socket.ReceiveTextAsync(ct)).Should().Be($"hello over {uri.Scheme}");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
            socket.CloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        }

        echo.Received.Should().Contain(new KeyValuePair<string, int>("tls", 1)).And.Contain(new KeyValuePair<string, int>("h2c", 1));
        echo.Protocols.Should().OnlyContain(p => p == "HTTP/1.1", "the backend leg stays HTTP/1.1 unless a cluster asks for HTTP/2");
    }

    /// <summary>HTTP/2 on the backend leg, asked for per cluster; the backend here speaks HTTP/2 only (h2c).</summary>
    [Fact]
    public async Task ClusterHttpVersion20_Http2OnlyBackend_ProxiesOverExtendedConnect()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        await using var echo = await LoopbackEcho.StartAsync(HttpProtocols.Http2);
        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["WebSocketProxy__Routes__echo__Path"] = "/ws",
            ["WebSocketProxy__Routes__echo__Cluster"] = "echo",
            ["WebSocketProxy__Clusters__echo__HttpVersion"] = "2.0",
            ["WebSocketProxy__Clusters__echo__Backends__main__Address"] = echo.WsUri("/echo").ToString(),
        }, ct);

        using var socket = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.HttpUrl.Port}/ws?id=h2-backend"), ct);
        await socket.SendTextAsync("to an HTTP/2 backend", ct);

        (await socket.ReceiveTextAsync(ct)).Should().Be("to an HTTP/2 backend");
        echo.Protocols.Should().OnlyContain(p => p == "HTTP/2");
    }
}
