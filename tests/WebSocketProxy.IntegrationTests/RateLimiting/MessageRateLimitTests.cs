using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.RateLimiting;

/// <summary>Message floods: per-connection and per-user token buckets, each action (Delay, Drop, Close), both directions.</summary>
public sealed class MessageRateLimitTests
{
    private static Task<TestGateway> StartAsync(TestBackend backend, Func<RouteConfig, RouteConfig> route)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = route(new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" });
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            TestAuth.AddTo);

    [Fact]
    public async Task Close_FloodGets1008_BackendGotOnlyTheBurst()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, r => r with { MessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 1, Burst = 5, OnExceeded = ViolationAction.Close } });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        for (var i = 0; i < 20 && client.State == WebSocketState.Open; i++)
        {
            try
            {
                await client.SendTextAsync($"m{i}", ct);
            }
            catch (WebSocketException)
            {
                break;
            }
        }

        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        counter.Messages.Should().BeInRange(5, 6, "the burst passes, one more at most refills during the test");

        using var next = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await next.SendTextAsync("fresh", ct);
        await Eventually.HoldsAsync(() => counter.Texts.Contains("fresh"), ct);
    }

    [Fact]
    public async Task DropWithNotice_ExcessDroppedAndSenderNotified()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, r => r with
        {
            MessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 0.5, Burst = 1, OnExceeded = ViolationAction.DropWithNotice },
        });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("one", ct);
        await client.SendTextAsync("two", ct);
        await client.SendTextAsync("three", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"type":"message.rejected","reason":"rate_limited"}""");
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"type":"message.rejected","reason":"rate_limited"}""");
        await Eventually.HoldsAsync(() => counter.Messages >= 1, ct);
        counter.Texts.Should().Equal("one");
        client.State.Should().Be(WebSocketState.Open, "Drop keeps the connection");
    }

    [Fact]
    public async Task PerUser_SharedAcrossConnections()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, r => r with
        {
            AuthorizationPolicy = "default",
            UserMessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 0.5, Burst = 4, OnExceeded = ViolationAction.Drop },
        });
        using var first = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey));
        using var second = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.AliceKey));
        using var bob = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, TestAuth.ApiKey(TestAuth.BobKey));

        for (var i = 0; i < 5; i++)
        {
            await first.SendTextAsync($"a1-{i}", ct);
            await second.SendTextAsync($"a2-{i}", ct);
        }

        await bob.SendTextAsync("bob", ct);
        await Eventually.HoldsAsync(() => counter.Texts.Contains("bob"), ct);
        await first.SendTextAsync("a1-end", ct);
        await second.SendTextAsync("a2-end", ct);
        await bob.SendTextAsync("bob-end", ct);
        await Eventually.HoldsAsync(() => counter.Texts.Contains("bob-end"), ct);

        counter.Texts.Count(t => t.StartsWith('a')).Should().BeInRange(4, 5, "alice's two connections share one bucket of 4");
        counter.Texts.Should().Contain("bob");
    }

    [Fact]
    public async Task BytesPerSecond_Close_OverByteBudgetGets1008()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, r => r with
        {
            MessageRateLimit = new MessageRateLimitConfig { BytesPerSecond = 100, BytesBurst = 1000, OnExceeded = ViolationAction.Close },
        });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendAsync(new byte[600], WebSocketMessageType.Binary, true, ct);
        await client.SendAsync(new byte[600], WebSocketMessageType.Binary, true, ct);

        (await client.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        counter.Messages.Should().Be(1);

        using var next = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await next.SendTextAsync("small", ct);
        await Eventually.HoldsAsync(() => counter.Texts.Contains("small"), ct);
    }

    [Fact]
    public async Task BackendToClient_BackendFloodGets1008_ClientGets1001()
    {
        var ct = Ws.Timeout();
        var backendClose = new TaskCompletionSource<WebSocketCloseStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            try
            {
                for (var i = 0; i < 50; i++)
                {
                    await socket.SendTextAsync($"push {i}", CancellationToken.None);
                }
            }
            catch (WebSocketException)
            {
            }

            backendClose.TrySetResult((await socket.ReceiveCloseAsync(ct)).CloseStatus);
        }));
        await using var gateway = await StartAsync(backend, r => r with
        {
            MessageRateLimit = new MessageRateLimitConfig { PermitsPerSecond = 1, Burst = 3, OnExceeded = ViolationAction.Close, Direction = MessageDirection.BackendToClient },
        });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var received = 0;
        Received message;
        while ((message = await client.ReceiveMessageAsync(ct)).Type != WebSocketMessageType.Close)
        {
            received++;
        }

        message.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        received.Should().BeInRange(3, 4);
        (await backendClose.Task.WaitAsync(ct)).Should().Be(WebSocketCloseStatus.PolicyViolation);
    }
}
