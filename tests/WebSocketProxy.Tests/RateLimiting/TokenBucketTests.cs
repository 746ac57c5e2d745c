using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Tests.RateLimiting;

public sealed class TokenBucketTests
{
    [Fact]
    public void TryTake_BurstThenRefillAtRate()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(perSecond: 10, capacity: 5, time);

        for (var i = 0; i < 5; i++)
        {
            bucket.TryTake(1, force: false, out _).Should().BeTrue();
        }

        bucket.TryTake(1, force: false, out var retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromMilliseconds(100));

        time.Advance(TimeSpan.FromMilliseconds(100));
        bucket.TryTake(1, force: false, out _).Should().BeTrue();
        bucket.TryTake(1, force: false, out _).Should().BeFalse();

        time.Advance(TimeSpan.FromSeconds(10));
        var taken = 0;
        while (bucket.TryTake(1, force: false, out _))
        {
            taken++;
        }

        taken.Should().Be(5, "the bucket never holds more than its capacity");
    }

    [Fact]
    public void TryTake_LargerThanCapacity_PassesWhenFullAndLeavesDebt()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(perSecond: 100, capacity: 100, time);

        bucket.TryTake(250, force: false, out _).Should().BeTrue();
        bucket.TryTake(1, force: false, out var retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromSeconds(1.51));
    }

    [Fact]
    public void Force_AlwaysTakes_RefundGivesBack()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(perSecond: 1, capacity: 1, time);

        bucket.TryTake(1, force: false, out _).Should().BeTrue();
        bucket.TryTake(5, force: true, out _).Should().BeTrue();
        bucket.Refund(5);
        bucket.TryTake(1, force: false, out _).Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(1));
        bucket.TryTake(1, force: false, out _).Should().BeTrue();
    }
}
