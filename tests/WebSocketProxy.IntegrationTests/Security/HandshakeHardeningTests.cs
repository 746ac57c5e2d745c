using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Security;

/// <summary>Hostile handshakes: forged extensions, request smuggling behind a refused upgrade, slowloris, oversized headers.</summary>
public sealed class HandshakeHardeningTests
{
    [Fact]
    public async Task ClientExtensions_NeverForwardedToBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.Port, ct);
        var stream = tcp.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade(gateway.Port, "/ws", "Sec-WebSocket-Extensions: x-evil; smuggle=1, permessage-deflate; client_max_window_bits")), ct);
        var response = await RawHttp.ReadHeadAsync(stream, ct);

        response.Should().StartWith("HTTP/1.1 101");
        response.Should().NotContain("x-evil");
        response.Should().NotContainEquivalentOf("Sec-WebSocket-Extensions", "compression is off on this route");
        backend.Handshakes.Single().Headers.Keys.Should().NotContain(k => k.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task RefusedUpgrade_PipelinedBytes_NeverTunnelled()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(403));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.Port, ct);
        var stream = tcp.GetStream();
        var smuggled = $"GET /internal/admin HTTP/1.1\r\nHost: 127.0.0.1:{backend.Port}\r\n\r\n";

        // The upgrade and a smuggled request in one write: if a tunnel opened despite the refusal, the backend would see /internal/admin.
        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade(gateway.Port, "/ws") + smuggled), ct);
        using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        readTimeout.CancelAfter(TimeSpan.FromSeconds(3));
        var (text, _) = await RawHttp.ReadToEndAsync(stream, readTimeout.Token);

        text.Should().StartWith("HTTP/1.1 403");
        text.Should().NotContain("101 Switching Protocols");
        backend.Handshakes.Should().ContainSingle().Which.Path.Should().Be("/ws");

        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(403, "the gateway still answers the next client");
    }

    [Fact]
    public async Task Slowloris_HeadersTrickleIn_ConnectionDroppedByRequestHeadersTimeout()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            backend.WsUri(),
            services: s => s.Configure<KestrelServerOptions>(k => k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(1)));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.Port, ct);
        var stream = tcp.GetStream();
        var started = TimeProvider.System.GetTimestamp();

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{gateway.Port}\r\n"), ct);
        var reader = RawHttp.ReadToEndAsync(stream, ct);
        for (var i = 0; i < 40 && !reader.IsCompleted; i++)
        {
            // One header line every 250 ms: the request head never completes.
            await Task.WhenAny(reader, Task.Delay(250, ct));
            if (reader.IsCompleted)
            {
                break;
            }

            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"X-Slow-{i}: a\r\n"), ct);
            }
            catch (IOException)
            {
                break;
            }
        }

        var (text, closed) = await reader.WaitAsync(ct);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        closed.Should().BeTrue("Kestrel drops a request whose headers do not arrive within RequestHeadersTimeout");
        (text.Length == 0 || text.StartsWith("HTTP/1.1 408", StringComparison.Ordinal)).Should().BeTrue($"the answer is nothing or 408, got '{text}'");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(8));
        backend.Handshakes.Should().BeEmpty();
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101, "a well-behaved client is still served");
    }

    [Fact]
    public async Task OversizedHeaders_431AndBackendNeverContacted()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("X-Big", new string('a', 40 * 1024)));

        status.Should().Be(431);
        backend.Handshakes.Should().BeEmpty();
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);
    }
}
