using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.RateLimiting;

/// <summary>Size limits per direction: the sender of an oversized message gets 1009, the other side 1001.</summary>
public sealed class MessageSizeTests
{
    [Fact]
    public async Task MaxClientMessageBytes_OversizedClientMessage1009_BackendSawNothing()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: true));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxClientMessageBytes = 100, MaxBackendMessageBytes = 10_000 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendAsync(new byte[100], WebSocketMessageType.Binary, true, ct);
        (await client.ReceiveMessageAsync(ct)).Data.Should().HaveCount(100);
        await client.SendAsync(new byte[101], WebSocketMessageType.Binary, true, ct);

        (await client.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        counter.Messages.Should().Be(1, "the oversized message is never forwarded whole");

        using var next = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await next.SendAsync(new byte[50], WebSocketMessageType.Binary, true, ct);
        (await next.ReceiveMessageAsync(ct)).Data.Should().HaveCount(50);
    }

    [Fact]
    public async Task MaxBackendMessageBytes_OversizedBackendMessage_Backend1009Client1001()
    {
        var ct = Ws.Timeout();
        var backendClose = new TaskCompletionSource<WebSocketCloseStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            await socket.SendAsync(new byte[2001], WebSocketMessageType.Binary, true, ct);
            backendClose.TrySetResult((await socket.ReceiveCloseAsync(ct)).CloseStatus);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxClientMessageBytes = 100_000, MaxBackendMessageBytes = 2000 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        (await client.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        (await backendClose.Task.WaitAsync(ct)).Should().Be(WebSocketCloseStatus.MessageTooBig);
    }
}
