using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.RateLimiting;

/// <summary>How exactly the message rate limit holds: 100 msgs/s allowed, 1,000 offered over 3 s.</summary>
[Collection(SerialCollection.Name)]
public sealed class MessageRateLimitAccuracyTests
{
    private const double Rate = 100;

    /// <summary>The default burst: one second's worth (absorbs scheduling stalls on a busy machine without changing the sustained rate).</summary>
    private const int Burst = 100;

    private static Task<TestGateway> StartAsync(TestBackend backend, MessageRateLimitConfig limit)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c", MessageRateLimit = limit };
                o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            });

    [Fact]
    public async Task Drop_1000OfferedOver3s_DeliveredWithin5PercentOfAllowance()
    {
        var ct = Ws.Timeout(60);
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, new MessageRateLimitConfig { PermitsPerSecond = Rate, OnExceeded = ViolationAction.Drop });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        // 1,000 messages paced evenly over 3 s (one every 3 ms on average).
        var started = TimeProvider.System.GetTimestamp();
        var sentAt = new double[1000];
        for (var i = 0; i < 1000; i++)
        {
            var due = TimeSpan.FromMilliseconds(i * 3.0);
            var wait = due - TimeProvider.System.GetElapsedTime(started);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            sentAt[i] = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
            await client.SendTextAsync($"m{i}", ct);
        }

        var offeredOver = TimeProvider.System.GetElapsedTime(started);
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        await backend.FirstClose.Task.WaitAsync(ct);

        var delivered = counter.Messages;
        var allowance = Burst + (Rate * offeredOver.TotalSeconds);
        var ideal = IdealBucket(sentAt);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Drop: offered 1000 over {offeredOver.TotalSeconds:F3} s, allowance {allowance:F1}, delivered {delivered} ({(delivered - allowance) / allowance:P2}); an ideal bucket fed the same send times passes {ideal}");
        delivered.Should().BeInRange((int)Math.Floor(allowance * 0.95), (int)Math.Ceiling(allowance * 1.05));
    }

    [Fact]
    public async Task Delay_400OfferedAtOnce_NothingLostAndPacedAtTheRate()
    {
        var ct = Ws.Timeout(60);
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: false));
        await using var gateway = await StartAsync(backend, new MessageRateLimitConfig { PermitsPerSecond = Rate, Burst = Burst, OnExceeded = ViolationAction.Delay });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var started = TimeProvider.System.GetTimestamp();
        for (var i = 0; i < 400; i++)
        {
            await client.SendTextAsync($"m{i}", ct);
        }

        await Eventually.MatchesAsync(() => Volatile.Read(ref counter.Messages), delivered => delivered >= 400, ct, Timeout.InfiniteTimeSpan);

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        var expected = TimeSpan.FromSeconds((400 - Burst) / Rate);
        TestContext.Current.TestOutputHelper?.WriteLine($"Delay: 400 delivered in {elapsed.TotalSeconds:F3} s (expected {expected.TotalSeconds:F2} s, {(400 - Burst) / elapsed.TotalSeconds:F1} msgs/s after the burst)");
        counter.Texts.Should().Equal(Enumerable.Range(0, 400).Select(i => $"m{i}"), "Delay loses nothing and keeps the order");
        elapsed.Should().BeGreaterThan(expected * 0.95);
        elapsed.Should().BeLessThan(expected * 1.3);
    }

    /// <summary>What a perfect token bucket would pass for messages sent at these times (seconds).</summary>
    private static int IdealBucket(double[] sentAt)
    {
        double tokens = Burst;
        var last = 0.0;
        var passed = 0;
        foreach (var at in sentAt)
        {
            tokens = Math.Min(Burst, tokens + ((at - last) * Rate));
            last = at;
            if (tokens >= 1)
            {
                tokens--;
                passed++;
            }
        }

        return passed;
    }
}
