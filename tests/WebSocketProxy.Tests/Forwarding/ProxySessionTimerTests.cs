using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>The session's timers on a fake clock: token expiry and idle timeout.</summary>
public sealed class ProxySessionTimerTests
{
    [Fact]
    public async Task RunAsync_TokenExpires_ClientGets1008AuthenticationExpired_BackendGets1001()
    {
        await using var h = SessionHarness.Start(options: time => new SessionOptions { CloseAt = time.GetUtcNow() + TimeSpan.FromSeconds(30) });

        h.Time.Advance(TimeSpan.FromSeconds(29));
        await h.SendTextAsync(h.Client, "still valid");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("still valid", "the token has not expired yet");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.PolicyViolation, "authentication expired"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "authentication expired"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RunAsync_TokenAlreadyExpiredAtStart_ClosesAtOnceWith1008()
    {
        await using var h = SessionHarness.Start(options: time => new SessionOptions { CloseAt = time.GetUtcNow() - TimeSpan.FromSeconds(1) });

        // No clock movement: a timer due at once fires when it is armed.
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.PolicyViolation, "authentication expired"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "authentication expired"));
    }

    [Fact]
    public async Task RunAsync_TokenExpiresBeyondTheLongestTimer_TimerRearmsAndClosesOnTime()
    {
        // A timer takes at most about 49.7 days: an expiry 60 days away fires once early, re-arms, then closes.
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", IdleTimeout = TimeSpan.Zero },
            time => new SessionOptions { CloseAt = time.GetUtcNow() + TimeSpan.FromDays(60) });

        h.Time.Advance(TimeSpan.FromDays(50));
        await h.SendTextAsync(h.Client, "day 50");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("day 50", "the early firing re-armed instead of closing");
        h.Time.Advance(TimeSpan.FromDays(10) + TimeSpan.FromSeconds(1));
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.PolicyViolation, "authentication expired"));
        atBackend.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task RunAsync_NoTrafficForIdleTimeout_BothLegsGet1001IdleTimeout()
    {
        await using var h = SessionHarness.Start(new RouteConfig { Path = "/ws", Cluster = "c", IdleTimeout = TimeSpan.FromMinutes(1) });

        h.Time.Advance(TimeSpan.FromSeconds(59));
        AssertOpen(h);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Idle timeout"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Idle timeout"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RunAsync_TrafficJustBeforeIdleDeadline_StaysOpenUntilAFullIdleTimeoutAfterTheLastMessage()
    {
        await using var h = SessionHarness.Start(new RouteConfig { Path = "/ws", Cluster = "c", IdleTimeout = TimeSpan.FromMinutes(1) });

        h.Time.Advance(TimeSpan.FromSeconds(59));
        await h.SendTextAsync(h.Client, "ping"); // t = 59 s
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("ping");
        h.Time.Advance(TimeSpan.FromSeconds(2)); // t = 61 s: past the first deadline, 2 s after the last message
        AssertOpen(h);
        await h.SendTextAsync(h.Backend, "pong"); // t = 61 s; a close sent at 60 s would arrive before it
        (await h.ReceiveTextAsync(h.Client)).Should().Be("pong", "traffic moved the deadline: the session is still open");
        h.Time.Advance(TimeSpan.FromSeconds(59)); // t = 120 s: 59 s after the last message
        AssertOpen(h);
        h.Time.Advance(TimeSpan.FromSeconds(2)); // t = 122 s: 61 s after the last message
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Idle timeout"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Idle timeout"));
    }

    [Fact]
    public async Task RunAsync_IdleTimeoutDisabled_NeverClosesForIdleness()
    {
        await using var h = SessionHarness.Start(new RouteConfig { Path = "/ws", Cluster = "c", IdleTimeout = TimeSpan.Zero });

        h.Time.Advance(TimeSpan.FromDays(1));
        AssertOpen(h);
        await h.SendTextAsync(h.Client, "still here");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("still here");
        await h.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", h.Timeout);
        (await h.ReceiveCloseAsync(h.Backend)).Should().Be((WebSocketCloseStatus.NormalClosure, "done"));
        await h.AnswerCloseAsync(h.Backend);
        await h.ReceiveCloseAsync(h.Client);
        await h.CompletionAsync();
    }

    /// <summary>
    /// Asserts the proxy has sent no close on either leg. A timer's close is sent from inside <c>Advance</c>, and an
    /// in-memory send completes at once, so a close would already show in the proxy's socket states.
    /// </summary>
    private static void AssertOpen(SessionHarness h)
    {
        h.ProxyClientLeg.State.Should().Be(WebSocketState.Open);
        h.ProxyBackendLeg.State.Should().Be(WebSocketState.Open);
        h.Running.IsCompleted.Should().BeFalse();
        h.Session.Ended.IsCancellationRequested.Should().BeFalse();
    }
}
