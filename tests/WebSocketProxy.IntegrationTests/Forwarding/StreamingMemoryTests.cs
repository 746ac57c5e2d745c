using System.Net.WebSockets;
using System.Security.Cryptography;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

[Collection(SerialCollection.Name)]
public sealed class StreamingMemoryTests
{
    [Fact]
    public async Task Stream_64MiBFragmentedMessage_PassesWithoutAssembling()
    {
        var ct = Ws.Timeout(90);
        const int chunk = 64 * 1024;
        const int chunks = 1024; // 64 MiB
        var receivedHash = new TaskCompletionSource<(long Length, byte[] Hash)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[chunk];
            long length = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), ct);
                hash.AppendData(buffer, 0, result.Count);
                length += result.Count;
                if (result.EndOfMessage)
                {
                    break;
                }
            }

            receivedHash.TrySetResult((length, hash.GetHashAndReset()));
            await socket.SendTextAsync("done", ct);
            await socket.ReceiveCloseAsync(ct);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MaxMessageBytes = 128L * 1024 * 1024 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var payload = new byte[chunk];
        Random.Shared.NextBytes(payload);
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        await client.SendAsync(payload, WebSocketMessageType.Binary, false, ct); // warm up before measuring
        expected.AppendData(payload);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 1; i < chunks; i++)
        {
            await client.SendAsync(payload, WebSocketMessageType.Binary, i == chunks - 1, ct);
            expected.AppendData(payload);
        }

        var (length, hash) = await receivedHash.Task.WaitAsync(ct);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        length.Should().Be((long)chunk * chunks);
        hash.Should().Equal(expected.GetHashAndReset());
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("done");
        allocated.Should().BeLessThan(16L * 1024 * 1024, "the proxy streams frames through pooled buffers instead of assembling 64 MiB");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
    }

    [Fact]
    public async Task Backpressure_SlowClient_ProxyBuffersBoundedAndFloodArrivesIntact()
    {
        var ct = Ws.Timeout(120);
        const int messageSize = 64 * 1024;
        const int messages = 3200; // 200 MiB
        long sent = 0;
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            var payload = new byte[messageSize];
            for (var i = 0; i < messages; i++)
            {
                BitConverter.TryWriteBytes(payload, i);
                await socket.SendAsync(payload, WebSocketMessageType.Binary, true, ct);
                Interlocked.Add(ref sent, messageSize);
            }

            await socket.ReceiveCloseAsync(ct);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        // The client reads nothing: the backend must stall once the pipe (sockets, Kestrel, one pooled buffer) is full.
        var stalledAt = await WaitForStallAsync(() => Interlocked.Read(ref sent), ct);
        stalledAt.Should().BeLessThan(32L * 1024 * 1024, "the proxy must not buffer a flood it cannot deliver");

        var buffer = new byte[messageSize];
        for (var i = 0; i < messages; i++)
        {
            var received = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await client.ReceiveAsync(buffer.AsMemory(received), ct);
                received += result.Count;
            }
            while (!result.EndOfMessage);

            received.Should().Be(messageSize);
            BitConverter.ToInt32(buffer, 0).Should().Be(i);
        }

        Interlocked.Read(ref sent).Should().Be((long)messageSize * messages);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
    }

    /// <summary>Polls a counter until it stops moving for 500 ms (bounded by the token) and returns its value.</summary>
    private static async Task<long> WaitForStallAsync(Func<long> read, CancellationToken cancellationToken)
    {
        var last = read();
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow - stableSince < TimeSpan.FromMilliseconds(500))
        {
            await Task.Delay(50, cancellationToken);
            var now = read();
            if (now != last)
            {
                last = now;
                stableSince = DateTime.UtcNow;
            }
        }

        return last;
    }

    [Fact]
    public async Task Compression_Bomb_DecompressedSizeBoundedWith1009()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { AllowCompression = true, MaxMessageBytes = 64 * 1024 });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.DangerousDeflateOptions = new WebSocketDeflateOptions());
        var before = GC.GetTotalAllocatedBytes(precise: true);

        await client.SendAsync(new byte[32 * 1024 * 1024], WebSocketMessageType.Binary, true, ct); // ~32 KB on the wire, 32 MiB inflated

        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var backendClose = await backend.FirstClose.Task.WaitAsync(ct); // it may arrive just after the client's
        backendClose.Should().NotBeNull();
        backendClose!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        allocated.Should().BeLessThan(80L * 1024 * 1024, "the proxy never inflates the whole bomb (the test client allocates its 32 MiB payload and send buffer)");
    }
}
