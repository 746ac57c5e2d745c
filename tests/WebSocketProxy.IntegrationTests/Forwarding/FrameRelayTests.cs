using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.Testing;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.IntegrationTests.Forwarding;

/// <summary>
/// The frame relay end to end: which sessions use it, and messages larger than the relay's buffer (sent on in pieces,
/// masking keys rotated, UTF-8 checked across pieces) arriving intact both ways.
/// </summary>
public sealed class FrameRelayTests
{
    [Theory]
    [InlineData("plain (the default)", "frame relay")]
    [InlineData("relay off", "message path")]
    [InlineData("transformer", "message path")]
    [InlineData("client deflate", "message path")]
    [InlineData("client offers deflate, route refuses", "frame relay")]
    public async Task Session_ForwardsByTheRelay_OnlyWhereNothingNeedsThePayload(string setup, string expected)
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            backend.WsUri(),
            route: r => setup switch
            {
                "transformer" => r with { Transformers = [MessageTransformerNames.JsonEnvelope] },
                "client deflate" => r with { AllowCompression = true },
                _ => r,
            },
            options: o =>
            {
                if (setup == "relay off")
                {
                    o.RelayFrames = false;
                }
            },
            services: s => s.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Debug)));
        var logs = gateway.Services.GetFakeLogCollector();
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            if (setup.Contains("deflate", StringComparison.Ordinal))
            {
                o.DangerousDeflateOptions = new WebSocketDeflateOptions();
            }
        });

        await client.SendTextAsync("""{"hello":1}""", ct);
        (await client.ReceiveMessageAsync(ct)).Type.Should().Be(WebSocketMessageType.Text);

        var started = logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SessionStarted").Subject;
        started.GetStructuredStateValue("Forwarding").Should().Be(expected);
    }

    [Theory]
    [InlineData(WebSocketMessageType.Binary, 1024)]
    [InlineData(WebSocketMessageType.Text, 1024)]
    [InlineData(WebSocketMessageType.Binary, 64 * 1024)]
    public async Task MessagesLargerThanTheBuffer_ArriveIntact_BothWays(WebSocketMessageType type, int bufferSize)
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxMessageBytes = 4 * 1024 * 1024 }, options: o => { o.ReceiveBufferSize = bufferSize; o.RelayFrames = true; });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        foreach (var size in new[] { 125, 126, 65_535, 65_536, 200_001, 1_048_579 })
        {
            var payload = type == WebSocketMessageType.Text
                ? Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("ü€😀a", (size / 10) + 1)))[..size]
                : RandomNumberGenerator.GetBytes(size);
            if (type == WebSocketMessageType.Text)
            {
                payload = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload).TrimEnd('\uFFFD')); // whole characters only
            }

            await client.SendAsync(payload, type, true, ct);
            var echoed = await client.ReceiveMessageAsync(ct);

            echoed.Type.Should().Be(type);
            echoed.Data.Should().Equal(payload, "a {0}-byte message crossed the relay both ways", payload.Length);
        }
    }

    [Fact]
    public async Task FragmentedMessage_ManyPieces_ArrivesAsOneMessage()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => { o.ReceiveBufferSize = 1024; o.RelayFrames = true; });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var parts = Enumerable.Range(0, 20).Select(i => RandomNumberGenerator.GetBytes(i * 311)).ToArray();

        for (var i = 0; i < parts.Length; i++)
        {
            await client.SendAsync(parts[i], WebSocketMessageType.Binary, i == parts.Length - 1, ct);
        }

        (await client.ReceiveMessageAsync(ct)).Data.Should().Equal(parts.SelectMany(p => p));
    }

    [Fact]
    public async Task InvalidUtf8_DeepInALargeTextMessage_SenderGets1007()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => { o.ReceiveBufferSize = 1024; o.RelayFrames = true; });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var text = Encoding.UTF8.GetBytes(new string('a', 10_000));
        text[7_777] = 0xC3; // a lead byte followed by ASCII

        await client.SendAsync(text, WebSocketMessageType.Text, true, ct);

        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
    }

    [Fact]
    public async Task InvalidUtf8_WhileTheBackendStreams_SenderStillGets1007_NotAReset()
    {
        // The backend keeps sending while the proxy fails the client with 1007: the next message for the client finds its
        // close frame sent. That must not reset the connection (a reset destroys the close frame before the client reads it).
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (b, socket, _) =>
        {
            var closed = BackendHandlers.EchoLoopAsync(b, socket); // reads until the proxy's close and answers it (nothing reaches it to echo)
            try
            {
                while (!closed.IsCompleted && socket.State == WebSocketState.Open)
                {
                    await socket.SendAsync("tick"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
                    await Task.Delay(1, CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException)
            {
                // The proxy closed this leg.
            }

            await closed;
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => o.RelayFrames = true);

        for (var attempt = 0; attempt < 30; attempt++)
        {
            using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
            (await client.ReceiveMessageAsync(ct)).Text.Should().Be("tick");
            await client.SendAsync(new byte[] { 0x61, 0xFF, 0x62 }, WebSocketMessageType.Text, true, ct);

            var close = await client.ReceiveCloseAsync(ct);

            close.CloseStatus.Should().Be(WebSocketCloseStatus.InvalidPayloadData, $"attempt {attempt}");
        }
    }

    [Fact]
    public async Task InvalidUtf8_FromTheBackend_ClientGets1014_BackendGets1007()
    {
        var ct = Ws.Timeout();
        var invalid = new byte[] { 0x61, 0xFF, 0x62 };
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (b, socket, _) =>
        {
            await socket.SendAsync(invalid, WebSocketMessageType.Text, true, CancellationToken.None);
            await BackendHandlers.EchoLoopAsync(b, socket);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => o.RelayFrames = true);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var close = await client.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
    }
}
