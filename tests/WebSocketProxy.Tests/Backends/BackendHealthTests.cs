using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Backends;

public sealed class BackendHealthTests
{
    private static readonly BackendConnectResult Unreachable = BackendConnectResult.Failure(502, RejectionReasons.BackendUnreachable, null);
    private static readonly BackendConnectResult Refused = BackendConnectResult.Failure(403, RejectionReasons.BackendRefused, null);

    [Fact]
    public void ReportProbe_Unknown_HealthyAfterFirstSuccess()
    {
        var health = new BackendHealth();
        health.Active.Should().Be(BackendHealthState.Unknown);

        health.ReportProbe(true, healthyThreshold: 3, unhealthyThreshold: 2, DateTimeOffset.UnixEpoch).Should().Be(BackendHealthState.Healthy);
    }

    [Fact]
    public void ReportProbe_Thresholds_AreConsecutiveCounts()
    {
        var health = new BackendHealth();
        health.ReportProbe(true, 2, 3, DateTimeOffset.UnixEpoch);

        health.ReportProbe(false, 2, 3, DateTimeOffset.UnixEpoch).Should().BeNull();
        health.ReportProbe(false, 2, 3, DateTimeOffset.UnixEpoch).Should().BeNull();
        health.ReportProbe(true, 2, 3, DateTimeOffset.UnixEpoch).Should().BeNull("a success resets the failure count");
        health.ReportProbe(false, 2, 3, DateTimeOffset.UnixEpoch);
        health.ReportProbe(false, 2, 3, DateTimeOffset.UnixEpoch);
        health.ReportProbe(false, 2, 3, DateTimeOffset.UnixEpoch).Should().Be(BackendHealthState.Unhealthy);
        health.IsAvailable(TimeProvider.System).Should().BeFalse();

        health.ReportProbe(true, 2, 3, DateTimeOffset.UnixEpoch).Should().BeNull("two successes are needed to come back");
        health.ReportProbe(true, 2, 3, DateTimeOffset.UnixEpoch).Should().Be(BackendHealthState.Healthy);
        health.IsAvailable(TimeProvider.System).Should().BeTrue();
    }

    [Fact]
    public async Task Breaker_FailuresOverThreshold_OpensThenHalfOpensAfterBreakDuration()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var health = new BackendHealth();
        var options = new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 3, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(10) });
        var breaker = health.GetBreaker(options, time)!;

        for (var i = 0; i < 3; i++)
        {
            await breaker.ExecuteAsync(static _ => ValueTask.FromResult(Unreachable), TestContext.Current.CancellationToken);
        }

        health.IsBreakerClosed(time).Should().BeFalse();
        health.IsAvailable(time).Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(10));
        health.IsBreakerClosed(time).Should().BeTrue("after the break the next connect is the half-open trial");
    }

    [Fact]
    public async Task Breaker_RefusalsWithAStatus_DoNotCount()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var health = new BackendHealth();
        var breaker = health.GetBreaker(new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 2 }), time)!;

        for (var i = 0; i < 10; i++)
        {
            await breaker.ExecuteAsync(static _ => ValueTask.FromResult(Refused), TestContext.Current.CancellationToken);
        }

        health.IsBreakerClosed(time).Should().BeTrue();
    }

    [Fact]
    public void ReportAbnormalClose_CountsAsFailure()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var health = new BackendHealth();
        health.GetBreaker(new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 2 }), time);

        health.ReportAbnormalClose();
        health.ReportAbnormalClose();

        health.IsBreakerClosed(time).Should().BeFalse();
    }

    [Fact]
    public void GetBreaker_PassiveDisabled_ReturnsNull()
    {
        new BackendHealth().GetBreaker(new PassiveHealthSettings(new PassiveHealthConfig { Enabled = false }), TimeProvider.System).Should().BeNull();
    }

    [Fact]
    public void GetBreaker_SameOptions_SameBreaker_ChangedOptions_NewBreaker()
    {
        var health = new BackendHealth();
        var a = health.GetBreaker(new PassiveHealthSettings(null), TimeProvider.System);
        var b = health.GetBreaker(new PassiveHealthSettings(null), TimeProvider.System);
        var c = health.GetBreaker(new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 9 }), TimeProvider.System);

        b.Should().BeSameAs(a);
        c.Should().NotBeSameAs(a);
    }

    [Fact]
    public void TryAcquireSlot_StopsAtTheLimit()
    {
        var backend = BackendTestContext.Backend("b", "ws://10.0.0.1/ws");

        backend.TryAcquireSlot(2).Should().BeTrue();
        backend.TryAcquireSlot(2).Should().BeTrue();
        backend.TryAcquireSlot(2).Should().BeFalse();
        backend.ReleaseSlot();
        backend.TryAcquireSlot(2).Should().BeTrue();
    }
}
