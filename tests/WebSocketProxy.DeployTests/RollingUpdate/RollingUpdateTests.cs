using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.RollingUpdate;

/// <summary>
/// A rolling update as one pod sees it, on the published gateway process: 200 live sessions with traffic, then
/// SIGTERM. Readiness turns unready first and new upgrades get 503 while the sessions keep flowing for
/// Gateway:ShutdownDelay; then every client gets 1001, nothing sent before the drain is lost, and the process exits
/// within its shutdown budget (what the chart's terminationGracePeriodSeconds covers after the preStop sleep).
/// </summary>
public sealed class RollingUpdateTests
{
    private const int Sessions = 200;
    private static readonly TimeSpan ShutdownDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GracePeriod = ShutdownDelay + DrainTimeout + TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MessageInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Messages sent closer than this to the start of the drain may still be in flight when it starts.</summary>
    private static readonly TimeSpan InFlightAllowance = TimeSpan.FromSeconds(1);

    private readonly GatewayPublish _publish;

    public RollingUpdateTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    /// <param name="everyClientMessageReachesBackend">
    /// The stricter guarantee: every message a client sent before it received the 1001 reached the backend, including
    /// the ones in flight when the drain began: the drain closes the client leg first and the backend leg only after the
    /// client's close answer, so those still reach the backend.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigterm_200LiveSessions_UnreadyFirst_NewUpgrades503_Every1001_NothingLost_ExitsWithinGrace(bool everyClientMessageReachesBackend)
    {
        var ct = Bounded.Timeout(300);
        var output = TestContext.Current.TestOutputHelper!;
        var publish = await _publish.GetAsync(ct);
        await using var echo = await LoopbackEcho.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Gateway__ShutdownDelay"] = ShutdownDelay.ToString(),
            ["WebSocketProxy__DrainTimeout"] = DrainTimeout.ToString(),
            ["WebSocketProxy__Routes__echo__Path"] = "/ws",
            ["WebSocketProxy__Routes__echo__Cluster"] = "echo",
            ["WebSocketProxy__Routes__echo__ConcurrentConnections__PerIp"] = "0", // 200 test sessions from one address: lift the default per-IP cap
            ["WebSocketProxy__Clusters__echo__Backends__main__Address"] = echo.WsUri("/echo").ToString(),
        }, ct);
        var ws = new Uri($"ws://127.0.0.1:{gateway.HttpUrl.Port}/ws");
        var ready = new Uri(gateway.HttpUrl, "/healthz/ready");
        using var http = new HttpClient();

        var sessions = Enumerable.Range(0, Sessions).Select(i => new LiveSession($"s{i}", MessageInterval)).ToList();
        try
        {
            await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (session, token) => await session.ConnectAsync(ws, token));
            foreach (var session in sessions)
            {
                session.Start(ct);
            }

            await Task.WhenAll(sessions.Select(s => s.Warm.Task)).WaitAsync(ct);
            (await http.GetAsync(ready, ct)).StatusCode.Should().Be(HttpStatusCode.OK);

            // Act: the kubelet's (or docker stop's) SIGTERM.
            var sigterm = Stopwatch.GetTimestamp();
            gateway.Terminate();

            var unready = await FirstUnreadyAsync(http, ready, ct);
            var upgrade = await Ws.TryConnectAsync(new Uri(ws, "?id=late"), ct);
            var upgradeAt = Stopwatch.GetTimestamp();

            await Task.WhenAll(sessions.Select(s => s.Finished)).WaitAsync(DrainTimeout + TimeSpan.FromSeconds(20), ct);
            await gateway.WaitForExitAsync(ct);
            var exited = Stopwatch.GetTimestamp();

            // Assert
            var firstClose = sessions.Min(s => s.CloseAt);
            var lastClose = sessions.Max(s => s.CloseAt);
            var drainStartedNoEarlierThan = sigterm + Ticks(ShutdownDelay);
            var sent = sessions.Sum(s => s.Sent);
            var echoed = sessions.Sum(s => s.Echoed);
            output.WriteLine($"sessions {Sessions}; SIGTERM → unready {Ms(sigterm, unready)} ms, → 503 upgrade {Ms(sigterm, upgradeAt)} ms, → first 1001 {Ms(sigterm, firstClose)} ms, → last 1001 {Ms(sigterm, lastClose)} ms, → exit {Ms(sigterm, exited)} ms");
            var reachedBackend = sessions.Sum(s => echo.Received.GetValueOrDefault(s.Id));
            output.WriteLine($"messages sent {sent}, reached the backend {reachedBackend}, echoed back {echoed}; in flight at the drain: {sent - reachedBackend} client→backend, {reachedBackend - echoed} backend→client");

            sessions.Where(s => s.Error is not null).Select(s => $"{s.Id}: {s.Error}").Should().BeEmpty();
            sessions.Should().OnlyContain(s => s.CloseStatus == WebSocketCloseStatus.EndpointUnavailable, "every client gets 1001");
            unready.Should().BeLessThan(firstClose, "readiness turns unready before any session is closed");
            upgrade.Status.Should().Be(503, "new upgrades are refused once the host is stopping");
            upgrade.RetryAfter.Should().NotBeNullOrEmpty();
            upgradeAt.Should().BeLessThan(firstClose, "the refusal came during the shutdown delay, before the drain");
            firstClose.Should().BeGreaterThanOrEqualTo(drainStartedNoEarlierThan - Ticks(TimeSpan.FromMilliseconds(50)), "live sessions keep flowing for Gateway:ShutdownDelay");
            sessions.Should().OnlyContain(s => s.LastEchoAt > sigterm, "traffic went on after SIGTERM");
            sessions.Should().OnlyContain(s => !s.OutOfOrder, "echoes arrive in order, none missing in between");
            foreach (var session in sessions)
            {
                var sentBeforeDrain = session.SentBefore(drainStartedNoEarlierThan - Ticks(InFlightAllowance));
                session.Echoed.Should().BeGreaterThanOrEqualTo(sentBeforeDrain, $"{session.Id}: every message sent before the drain came back");
                echo.Received.GetValueOrDefault(session.Id).Should().BeInRange(session.Echoed, session.Sent, $"{session.Id}: the backend saw what was echoed, and no more than was sent");
                echo.Closes.GetValueOrDefault(session.Id).Should().Be(WebSocketCloseStatus.EndpointUnavailable, $"{session.Id}: the backend gets 1001 too");
                if (everyClientMessageReachesBackend)
                {
                    echo.Received.GetValueOrDefault(session.Id).Should().Be(session.Sent, $"{session.Id}: everything sent before the client got 1001 reached the backend");
                }
            }

            echo.Received.Should().NotContainKey("late");
            Stopwatch.GetElapsedTime(sigterm, exited).Should().BeLessThan(GracePeriod, "the process exits within the grace period");
            gateway.ExitCode.Should().Be(0, gateway.Log);
        }
        finally
        {
            foreach (var session in sessions)
            {
                session.Abort();
            }
        }
    }

    private static async Task<long> FirstUnreadyAsync(HttpClient http, Uri ready, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(ShutdownDelay);
        while (true)
        {
            using var response = await http.GetAsync(ready, bounded.Token);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return Stopwatch.GetTimestamp();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), bounded.Token); // a readiness probe, polled: bounded by the shutdown delay
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static long Ms(long from, long to) => (long)Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
