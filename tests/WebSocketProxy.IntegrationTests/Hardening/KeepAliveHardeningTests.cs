using WebSocketProxy.Testing;
using System.Net.WebSockets;
using FluentAssertions;
using FluentAssertions.Execution;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, item 3: dead peers are detected. With only <c>KeepAliveInterval</c> set the proxy must send real pings
/// (opcode 0x9, not unsolicited pongs) on both legs and drop a leg that does not answer within the default
/// <c>KeepAliveTimeout</c>; and <c>Routes:&lt;id&gt;:SendTimeout</c> ends a session whose write to one leg stalls.
/// </summary>
[Trait("Issue", "10")]
public sealed class KeepAliveHardeningTests
{
    /// <summary>
    /// The largest default <c>KeepAliveTimeout</c> these tests accept. Assumption: the implemented default is at most
    /// 20 seconds (an interval's worth or less of the 30 s default interval), so a dead leg goes within interval + 20 s.
    /// </summary>
    private static readonly TimeSpan AssumedMaxDefaultKeepAliveTimeout = TimeSpan.FromSeconds(20);

    private static async Task<RawFrame?> FirstControlFrameAsync(Func<CancellationToken, Task<RawFrame?>> read, TimeSpan within, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(within);
        try
        {
            while (true)
            {
                var frame = await read(timeout.Token);
                if (frame is null || frame.Opcode >= Opcode.Close)
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Item 3. <c>KeepAliveInterval</c> alone makes the proxy send pings (0x9) to the client and to the backend; a pong (0xA) detects nothing.</summary>
    [Fact]
    public async Task Item3_OnlyKeepAliveIntervalConfigured_RealPingsOnBothLegs()
    {
        var ct = Ws.Timeout();
        await using var backend = RawWebSocketBackend.Start();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:KeepAliveInterval"] = "00:00:00.200";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);
        client.Status.Should().Be(101, client.Head);
        var backendStream = await backend.FirstConnection.WaitAsync(ct);

        var toClient = FirstControlFrameAsync(client.ReadFrameAsync, TimeSpan.FromSeconds(5), ct);
        var toBackend = FirstControlFrameAsync(token => RawFrames.ReadAsync(backendStream, token), TimeSpan.FromSeconds(5), ct);
        var (clientFrame, backendFrame) = (await toClient, await toBackend);

        using (new AssertionScope())
        {
            clientFrame.Should().NotBeNull("a keep-alive frame is sent every 200 ms");
            clientFrame?.Opcode.Should().Be(Opcode.Ping, "the client leg gets a real ping, observed {0}", clientFrame);
            backendFrame.Should().NotBeNull("a keep-alive frame is sent every 200 ms");
            backendFrame?.Opcode.Should().Be(Opcode.Ping, "the backend leg gets a real ping, observed {0}", backendFrame);
        }
    }

    /// <summary>
    /// Item 3. A client that never answers pings (a vanished peer, half-open TCP) is dropped within interval + the default
    /// <c>KeepAliveTimeout</c> (assumed ≤ 20 s), and the backend is told with a close frame, instead of pinning the session until the idle timeout.
    /// </summary>
    [Fact]
    public async Task Item3_ClientNeverAnswersPings_DroppedWithinIntervalPlusDefaultTimeout()
    {
        var ct = Ws.Timeout(60);
        await using var backend = await TestBackend.StartEchoAsync();
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:KeepAliveInterval"] = "00:00:00.200";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);
        client.Status.Should().Be(101, client.Head);

        // The client reads (so nothing stalls) but never answers a ping.
        var ended = await client.WaitForEofAsync(TimeSpan.FromMilliseconds(200) + AssumedMaxDefaultKeepAliveTimeout + TimeSpan.FromSeconds(5), ct);

        ended.Should().NotBeNull("a leg that does not answer pings is dropped within interval + timeout");
        var close = await backend.FirstClose.Task.WaitAsync(TimeSpan.FromSeconds(5), ct);
        close.Should().NotBeNull("the backend is closed with a close frame");
        close!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    /// <summary>Item 3. <c>SendTimeout</c>: a client that stops reading stalls the proxy's write to it; the session ends and the backend gets 1001.</summary>
    [Fact]
    public async Task Item3_ClientStopsReading_SendTimeoutEndsSessionBackendGets1001()
    {
        var ct = Ws.Timeout(60);
        var flood = BackendHandlers.Accept(async (backend, socket, _) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var chunk = new byte[64 * 1024];
            var sending = Task.Run(
                async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        await socket.SendAsync(chunk, WebSocketMessageType.Binary, true, stop.Token);
                    }
                },
                stop.Token);
            try
            {
                var received = await socket.ReceiveMessageAsync(ct);
                backend.FirstClose.TrySetResult(received.Type == WebSocketMessageType.Close ? (received.CloseStatus, received.CloseDescription) : null);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
            {
                backend.FirstClose.TrySetResult(null);
            }

            await stop.CancelAsync();
            await sending.ContinueWith(static _ => { }, TaskScheduler.Default);
        });
        await using var backend = await TestBackend.StartAsync(flood);
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:SendTimeout"] = "00:00:01";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct, receiveBufferSize: 4096);
        client.Status.Should().Be(101, client.Head);

        // The client never reads again: the proxy's writes to it stall once the buffers are full.
        var ended = await Task.WhenAny(backend.FirstClose.Task, Task.Delay(TimeSpan.FromSeconds(20), ct));

        ended.Should().BeSameAs(backend.FirstClose.Task, "the session ends within SendTimeout + slack once the client leg's write stalls");
        var close = await backend.FirstClose.Task;
        close.Should().NotBeNull("the backend gets a close frame");
        close!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    /// <summary>Item 3. <c>SendTimeout</c>: a backend that stops reading stalls the proxy's write to it; the client gets 1014.</summary>
    [Fact]
    public async Task Item3_BackendStopsReading_SendTimeoutEndsSessionClientGets1014()
    {
        var ct = Ws.Timeout(60);
        var hold = new TaskCompletionSource();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept((_, _, _) => hold.Task.WaitAsync(ct))); // accepts, never reads
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Routes:r:SendTimeout"] = "00:00:01";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var chunk = new byte[64 * 1024];
        var sending = Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.SendAsync(chunk, WebSocketMessageType.Binary, true, stop.Token);
                }
            },
            stop.Token);

        Received? close = null;
        try
        {
            using var within = CancellationTokenSource.CreateLinkedTokenSource(ct);
            within.CancelAfter(TimeSpan.FromSeconds(20));
            close = await client.ReceiveCloseAsync(within.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // No close frame within the bound: asserted below.
        }
        finally
        {
            await stop.CancelAsync();
            await sending.ContinueWith(static _ => { }, TaskScheduler.Default);
            hold.TrySetResult();
        }

        close.Should().NotBeNull("the client gets a close frame when the backend leg's write stalls past SendTimeout");
        close!.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
    }
}
