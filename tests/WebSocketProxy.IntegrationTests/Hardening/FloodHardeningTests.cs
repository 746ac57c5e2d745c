using WebSocketProxy.Testing;
using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, items 10, 11 and 18: floods a single client can start without sending many bytes — a message made of
/// thousands of tiny fragments, a ping storm, and hundreds of open sessions from one address.
/// </summary>
[Trait("Issue", "10")]
public sealed class FloodHardeningTests
{
    /// <summary>The default <c>Routes:&lt;id&gt;:MaxFramesPerMessage</c> these tests assume (issue 10 item 10).</summary>
    private const int DefaultMaxFramesPerMessage = 1024;

    /// <summary>The default <c>Routes:&lt;id&gt;:ConcurrentConnections:PerIp</c> these tests assume (issue 10 item 18).</summary>
    private const int DefaultMaxSessionsPerIp = 100;

    /// <summary>One text message: a 1-byte first fragment, <paramref name="emptyContinuations"/> empty continuation frames, and a 1-byte final one.</summary>
    private static byte[] FragmentedMessage(int emptyContinuations)
    {
        using var frames = new MemoryStream();
        frames.Write(RawFrames.Encode(Opcode.Text, "a"u8, fin: false));
        for (var i = 0; i < emptyContinuations; i++)
        {
            frames.Write(RawFrames.Encode(Opcode.Continuation, [], fin: false));
        }

        frames.Write(RawFrames.Encode(Opcode.Continuation, "z"u8, fin: true));
        return frames.ToArray();
    }

    private static async Task SendIgnoringResetAsync(RawWebSocketClient client, byte[] bytes, CancellationToken ct)
    {
        try
        {
            await client.SendAsync(bytes, ct);
        }
        catch (IOException)
        {
            // The proxy closed the connection mid-flood: what it said before that is what the test reads.
        }
    }

    private static async Task<(RawFrame? Close, List<RawFrame> Before)> ReadCloseWithinAsync(RawWebSocketClient client, TimeSpan within, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(within);
        return await client.ReadUntilCloseAsync(timeout.Token);
    }

    /// <summary>Item 10. A message of more fragments than the default <c>MaxFramesPerMessage</c> (1024) closes the sender with 1008.</summary>
    [Fact]
    public async Task Item10_MessageOfManyEmptyFragments_DefaultFrameCapCloses1008()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);
        client.Status.Should().Be(101, client.Head);

        await SendIgnoringResetAsync(client, FragmentedMessage(emptyContinuations: DefaultMaxFramesPerMessage + 500), ct);
        var (close, before) = await ReadCloseWithinAsync(client, TimeSpan.FromSeconds(5), ct);

        close.Should().NotBeNull("a fragment flood is a policy violation; instead {0} frames came back", before.Count);
        close!.CloseCode.Should().Be(1008);
    }

    /// <summary>Item 10. Frames are charged to the message rate limiter: on a route limited to 5 messages/s (Close), one message of 300 fragments closes 1008.</summary>
    [Fact]
    public async Task Item10_FragmentsChargedToMessageRateLimit_OneManyFragmentMessageCloses1008()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:MessageRateLimit:PermitsPerSecond"] = "5";
        settings["WebSocketProxy:Routes:r:MessageRateLimit:Burst"] = "5";
        settings["WebSocketProxy:Routes:r:MessageRateLimit:OnExceeded"] = "Close";
        settings["WebSocketProxy:Routes:r:MaxFramesPerMessage"] = "100000"; // the frame cap stays out of the way: the limiter must act
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);
        client.Status.Should().Be(101, client.Head);

        await SendIgnoringResetAsync(client, FragmentedMessage(emptyContinuations: 300), ct);
        var (close, before) = await ReadCloseWithinAsync(client, TimeSpan.FromSeconds(5), ct);

        close.Should().NotBeNull("300 frames in one message cost more than a 5-message burst; instead {0} frames came back", before.Count);
        close!.CloseCode.Should().Be(1008);
    }

    /// <summary>Item 11. A ping flood (1000 pings at once) exceeds the default <c>MaxControlFramesPerSecond</c> (assumed 50) and closes 1008.</summary>
    [Fact]
    public async Task Item11_PingFlood_DefaultControlFrameBudgetCloses1008()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);
        client.Status.Should().Be(101, client.Head);
        using var pings = new MemoryStream();
        for (var i = 0; i < 1000; i++)
        {
            pings.Write(RawFrames.Encode(Opcode.Ping, "ping"u8));
        }

        var reading = ReadCloseWithinAsync(client, TimeSpan.FromSeconds(5), ct); // read while sending: the pongs must not stall the proxy
        await SendIgnoringResetAsync(client, pings.ToArray(), ct);
        var (close, before) = await reading;

        close.Should().NotBeNull("a ping flood is a policy violation; instead {0} pongs came back", before.Count(f => f.Opcode == Opcode.Pong));
        close!.CloseCode.Should().Be(1008);
    }

    /// <summary>
    /// Item 18. With no <c>ConcurrentConnections</c> configured, one client IP may hold at most the default number of open
    /// sessions on a route (assumed <c>ConcurrentConnections:PerIp</c> = 100); the next handshake gets 429.
    /// </summary>
    [Fact]
    public async Task Item18_NoLimitConfigured_DefaultPerIpCapRefusesNextSessionWith429()
    {
        var ct = Ws.Timeout(60);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(backend.WsUri()), ct);
        var open = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < DefaultMaxSessionsPerIp; i++)
            {
                open.Add(await Ws.ConnectAsync(gateway.Ws("/ws"), ct));
            }

            var (status, headers) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

            status.Should().Be(429, "{0} sessions are already open from 127.0.0.1", DefaultMaxSessionsPerIp);
            headers!.Keys.Should().Contain(k => k.Equals("Retry-After", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            foreach (var socket in open)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }
}
