using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Diagnostics;

public sealed class ProxyMetricsTests
{
    private static readonly SessionSnapshot Ended = new()
    {
        ConnectionId = "c1",
        RouteId = "r",
        ClusterId = "c",
        BackendId = "b",
        StartedAt = DateTimeOffset.UnixEpoch,
        ClientToBackend = new SessionTraffic(2, 20),
        BackendToClient = new SessionTraffic(1, 5),
        ClientCloseStatus = 1012,
        BackendCloseStatus = 1001,
        CloseInitiator = "proxy",
    };

    [Fact]
    public void SessionEnded_OneClosePerLegDurationAndTotals()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new ProxyMetrics(meters);
        using var closes = new MetricCollector<long>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.closes");
        using var duration = new MetricCollector<double>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.connection.duration");
        using var active = new MetricCollector<long>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.connections.active");

        var session = metrics.SessionStarted("r", "c");
        metrics.SessionEnded(session, Ended, TimeSpan.FromSeconds(3));

        closes.GetMeasurementSnapshot().Select(m => ($"{m.Tags["side"]}", (int)m.Tags["close_status"]!, $"{m.Tags["initiator"]}", $"{m.Tags["route"]}"))
            .Should().BeEquivalentTo([("client", 1012, "proxy", "r"), ("backend", 1001, "proxy", "r")]);
        duration.LastMeasurement!.Value.Should().Be(3);
        duration.LastMeasurement.Tags["close_status"].Should().Be(1012);
        active.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(0);
        metrics.Statistics.SessionsEnded.Should().Be(1);
        metrics.Statistics.ClientToBackend.Should().Be(new SessionTraffic(2, 20));
    }

    [Fact]
    public void SessionEnded_NotCountedAtStart_ActiveNeverNegative_TotalsStillKept()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new ProxyMetrics(meters);
        var session = metrics.SessionStarted("r", "c"); // nobody listens yet
        using var active = new MetricCollector<long>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.connections.active");

        metrics.SessionEnded(session, Ended, TimeSpan.FromSeconds(1));

        active.GetMeasurementSnapshot().Should().BeEmpty();
        metrics.Statistics.SessionsEnded.Should().Be(1, "the status feed's totals do not depend on a listener");
    }

    [Fact]
    public void HandshakeScope_DisposedTwice_CountedOutOnce()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new ProxyMetrics(meters);
        using var handshakes = new MetricCollector<long>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.handshakes.active");

        var scope = metrics.HandshakeStarted("r");
        scope!.Dispose();
        scope.Dispose();

        handshakes.GetMeasurementSnapshot().Select(m => m.Value).Should().Equal(1, -1);
        handshakes.LastMeasurement!.Tags["route"].Should().Be("r");
    }

    [Fact]
    public void HandshakeStarted_NobodyListening_NoScope()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProxyMetrics(services.GetRequiredService<IMeterFactory>());

        metrics.HandshakeStarted("r").Should().BeNull();
    }

    [Fact]
    public void LlmRequestFinished_CostRecordedOnlyWhenKnownAndPositive()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var metrics = new ProxyMetrics(meters);
        using var cost = new MetricCollector<double>(meters, WebSocketProxyDiagnostics.MeterName, "websocket_proxy.llm.cost");

        metrics.LlmRequestFinished("openai", "m", "completed", 10, 5, null, 0.25m);
        metrics.LlmRequestFinished("openai", "m", "completed", 10, 5, null);
        metrics.LlmRequestFinished("openai", "m", "completed", 0, 0, null, 0m);

        cost.GetMeasurementSnapshot().Should().ContainSingle().Which.Value.Should().Be(0.25);
    }
}
