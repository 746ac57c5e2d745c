using System.Net.WebSockets;
using System.Security.Cryptography;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

public sealed class MessageTests
{
    [Fact]
    public async Task Echo_TextBinaryAndEmptyMessages_KeepTypeAndBoundaries()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("héllo", ct);
        await client.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, ct);
        await client.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, true, ct);
        await client.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Binary, true, ct);

        var text = await client.ReceiveMessageAsync(ct);
        text.Type.Should().Be(WebSocketMessageType.Text);
        text.Text.Should().Be("héllo");
        var binary = await client.ReceiveMessageAsync(ct);
        binary.Type.Should().Be(WebSocketMessageType.Binary);
        binary.Data.Should().Equal(0, 1, 2, 255);
        var emptyText = await client.ReceiveMessageAsync(ct);
        emptyText.Type.Should().Be(WebSocketMessageType.Text);
        emptyText.Data.Should().BeEmpty();
        var emptyBinary = await client.ReceiveMessageAsync(ct);
        emptyBinary.Type.Should().Be(WebSocketMessageType.Binary);
        emptyBinary.Data.Should().BeEmpty();
    }

    [Fact]
    public async Task Echo_FragmentedMessage_ArrivesAsOneMessage()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendAsync("part1-"u8.ToArray(), WebSocketMessageType.Text, false, ct);
        await client.SendAsync("part2-"u8.ToArray(), WebSocketMessageType.Text, false, ct);
        await client.SendAsync("end"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        await client.SendTextAsync("next", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("part1-part2-end");
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("next");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_TenThousandPipelinedMessages_ArriveInOrder(bool coalesceWrites)
    {
        var ct = Ws.Timeout(60);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => o.CoalesceWrites = coalesceWrites);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        const int count = 10_000;

        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var payload = i % 2 == 0 ? BitConverter.GetBytes(i) : System.Text.Encoding.ASCII.GetBytes(i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
                await client.SendAsync(payload, i % 2 == 0 ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, ct);
            }
        }, ct);

        var buffer = new byte[16];
        for (var i = 0; i < count; i++)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), ct);
            result.EndOfMessage.Should().BeTrue();
            if (i % 2 == 0)
            {
                result.MessageType.Should().Be(WebSocketMessageType.Binary);
                result.Count.Should().Be(4);
                BitConverter.ToInt32(buffer, 0).Should().Be(i);
            }
            else
            {
                result.MessageType.Should().Be(WebSocketMessageType.Text);
                System.Text.Encoding.ASCII.GetString(buffer, 0, result.Count).Should().Be(i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await sender;
    }
}
