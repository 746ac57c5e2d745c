using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Tests.RateLimiting;

public sealed class MessageLimiterTests
{
    private static MessageLimitRule Rule(FakeTimeProvider time, ViolationAction action, double? perSecond = 1, int? burst = 1, long? bytesPerSecond = null, long? bytesBurst = null)
        => MessageLimitRule.Create(new MessageRateLimitConfig { PermitsPerSecond = perSecond, Burst = burst, BytesPerSecond = bytesPerSecond, BytesBurst = bytesBurst, OnExceeded = action }, time);

    [Fact]
    public async Task Delay_WaitsUntilAPermitReturns()
    {
        var time = new FakeTimeProvider();
        var limiter = new MessageLimiter(Rule(time, ViolationAction.Delay), null, time);

        (await limiter.AcquireAsync(messageStart: true, 10, CancellationToken.None)).Should().Be(RateLimitVerdict.Allowed);
        var waiting = limiter.AcquireAsync(messageStart: true, 10, CancellationToken.None).AsTask();
        waiting.IsCompleted.Should().BeFalse("the second message waits for the bucket to refill");

        time.Advance(TimeSpan.FromSeconds(1));

        (await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).Should().Be(RateLimitVerdict.Allowed);
    }

    [Fact]
    public async Task Drop_WholeMessagesOnly_LaterFramesOfAForwardedMessageAreCharged()
    {
        var time = new FakeTimeProvider();
        var limiter = new MessageLimiter(Rule(time, ViolationAction.DropWithNotice, perSecond: null, burst: null, bytesPerSecond: 100, bytesBurst: 100), null, time);

        (await limiter.AcquireAsync(messageStart: true, 80, CancellationToken.None)).Should().Be(RateLimitVerdict.Allowed);
        (await limiter.AcquireAsync(messageStart: false, 80, CancellationToken.None)).Should().Be(RateLimitVerdict.Allowed, "a half-forwarded message cannot be dropped");
        (await limiter.AcquireAsync(messageStart: true, 10, CancellationToken.None)).Should().Be(RateLimitVerdict.DropWithNotice, "the bucket is in debt");
    }

    [Fact]
    public async Task UserRuleExceeded_ConnectionPermitRefunded()
    {
        var time = new FakeTimeProvider();
        var connection = Rule(time, ViolationAction.Drop, perSecond: 1, burst: 2);
        var user = Rule(time, ViolationAction.Close, perSecond: 1, burst: 1);
        var limiter = new MessageLimiter(connection, user, time);

        (await limiter.AcquireAsync(messageStart: true, 1, CancellationToken.None)).Should().Be(RateLimitVerdict.Allowed);
        (await limiter.AcquireAsync(messageStart: true, 1, CancellationToken.None)).Should().Be(RateLimitVerdict.Close);

        connection.Messages!.TryTake(1, force: false, out _).Should().BeTrue("the connection's permit was given back when the user's rule refused");
    }
}
