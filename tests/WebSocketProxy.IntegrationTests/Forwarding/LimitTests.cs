using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

public sealed class LimitTests
{
    [Fact]
    public async Task MaxMessageBytes_Exceeded_SenderGets1009AndBackendGets1001()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxMessageBytes = 1024 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, ct);
        (await client.ReceiveMessageAsync(ct)).Data.Should().HaveCount(1024, "a message at the limit passes");
        await client.SendAsync(new byte[1025], WebSocketMessageType.Binary, true, ct);

        var close = await client.ReceiveMessageAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task MaxMessageBytes_BackendSendsTooMuch_BackendGets1009AndClientGets1001()
    {
        var ct = Ws.Timeout();
        var backendClose = new TaskCompletionSource<WebSocketCloseStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            await socket.SendAsync(new byte[5000], WebSocketMessageType.Binary, true, ct);
            var close = await socket.ReceiveCloseAsync(ct);
            backendClose.TrySetResult(close.CloseStatus);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxMessageBytes = 4096 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var received = await client.ReceiveCloseAsync(ct);

        received.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        (await backendClose.Task.WaitAsync(ct)).Should().Be(WebSocketCloseStatus.MessageTooBig);
    }

    [Fact]
    public async Task InvalidUtf8_InTextMessage_SenderGets1007AndNothingReachesBackend()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendAsync(new byte[] { (byte)'o', (byte)'k', 0xC3, 0x28 }, WebSocketMessageType.Text, true, ct);

        var close = await client.ReceiveMessageAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task ProtocolViolation_UnmaskedClientFrame_Gets1002()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", gateway.Port, ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(RawHttp.Upgrade(gateway.Port, "/ws")), ct);
        var response = await RawHttp.ReadHeadAsync(stream, ct);
        response.Should().StartWith("HTTP/1.1 101");

        var unmasked = new byte[] { 0x81, 11 }.Concat("hello world"u8.ToArray()).ToArray(); // FIN+text, mask bit not set
        await stream.WriteAsync(unmasked, ct);

        var frame = new byte[2];
        await stream.ReadExactlyAsync(frame, ct);
        (frame[0] & 0x0F).Should().Be(0x8, "the proxy answers with a close frame");
        var payload = new byte[frame[1] & 0x7F];
        await stream.ReadExactlyAsync(payload, ct);
        ((payload[0] << 8) | payload[1]).Should().Be(1002);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task Compression_NegotiatedPerLeg_MessagesStayReadable()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { AllowCompression = true });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.DangerousDeflateOptions = new WebSocketDeflateOptions());

        var text = string.Concat(Enumerable.Repeat("compress me ", 1000));
        await client.SendTextAsync(text, ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be(text);
        client.HttpResponseHeaders!.Keys.Should().Contain(k => k.Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase), "the client leg negotiated permessage-deflate");
        backend.Handshakes.Single().Headers.Should().NotContainKey("Sec-WebSocket-Extensions", "the backend leg did not");
    }
}
