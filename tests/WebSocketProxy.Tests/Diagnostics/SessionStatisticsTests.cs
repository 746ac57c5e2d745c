using FluentAssertions;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Diagnostics;

public sealed class SessionStatisticsTests
{
    [Fact]
    public void SessionEnded_AddsTrafficAndCountsCloseStatusesBySide()
    {
        var statistics = new SessionStatistics();

        statistics.SessionEnded(new SessionTraffic(2, 10), new SessionTraffic(3, 30), 1000, 1000);
        statistics.SessionEnded(new SessionTraffic(1, 5), new SessionTraffic(0, 0), 1014, 1006);
        statistics.SessionEnded(new SessionTraffic(0, 0), new SessionTraffic(1, 1), 1000, 1000);

        statistics.SessionsEnded.Should().Be(3);
        statistics.ClientToBackend.Should().Be(new SessionTraffic(3, 15));
        statistics.BackendToClient.Should().Be(new SessionTraffic(4, 31));
        statistics.CloseStatuses().Should().Equal(("backend", 1000, 2L), ("backend", 1006, 1L), ("client", 1000, 2L), ("client", 1014, 1L));
    }

    [Fact]
    public async Task SessionEnded_FromManyThreads_NothingLost()
    {
        var statistics = new SessionStatistics();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                statistics.SessionEnded(new SessionTraffic(1, 2), new SessionTraffic(1, 3), 1000 + (i % 2), 1000);
            }
        }, TestContext.Current.CancellationToken)));

        statistics.SessionsEnded.Should().Be(8000);
        statistics.ClientToBackend.Should().Be(new SessionTraffic(8000, 16000));
        statistics.CloseStatuses().Sum(c => c.Count).Should().Be(16000);
    }
}
