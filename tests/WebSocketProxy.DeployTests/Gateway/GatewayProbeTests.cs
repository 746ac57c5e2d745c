using System.Net;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Gateway;

/// <summary>
/// The published gateway's probes are the library's <c>MapWebSocketProxyHealthChecks</c> on the paths the image and the
/// chart use: readiness answers JSON with each cluster's healthy count and turns 503 while a cluster has no healthy
/// backend, liveness stays 200 meanwhile (a backend outage must not get the pod restarted).
/// </summary>
public sealed class GatewayProbeTests
{
    private readonly GatewayPublish _publish;

    public GatewayProbeTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    [Fact]
    public async Task Readiness_ClusterWithoutHealthyBackend_Is503WithClusterCounts_LivenessStays200()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        await using var echo = await LoopbackEcho.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["WebSocketProxy__Routes__echo__Path"] = "/ws",
            ["WebSocketProxy__Routes__echo__Cluster"] = "echo",
            ["WebSocketProxy__Clusters__echo__Backends__main__Address"] = echo.WsUri("/echo").ToString(),
            ["WebSocketProxy__Routes__down__Path"] = "/down",
            ["WebSocketProxy__Routes__down__Cluster"] = "down",
            ["WebSocketProxy__Clusters__down__Backends__gone__Address"] = "ws://127.0.0.1:9/nothing-here",
            ["WebSocketProxy__Clusters__down__HealthCheck__Active__Enabled"] = "true",
            ["WebSocketProxy__Clusters__down__HealthCheck__Active__Interval"] = "00:00:00.200",
            ["WebSocketProxy__Clusters__down__HealthCheck__Active__UnhealthyThreshold"] = "1",
        }, ct);
        var ready = new Uri(gateway.HttpUrl, "/healthz/ready");
        using var http = new HttpClient();

        // Act: what a readiness probe sees once the active health check has marked the backend down.
        var (status, body) = await FirstUnreadyAsync(http, ready, ct);
        using var live = await http.GetAsync(new Uri(gateway.HttpUrl, "/healthz/live"), ct);

        // Assert
        status.Should().Be(HttpStatusCode.ServiceUnavailable);
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetString().Should().Be("Unhealthy");
        json.RootElement.GetProperty("description").GetString().Should().Contain("down");
        var clusters = json.RootElement.GetProperty("clusters");
        clusters.GetProperty("down").GetString().Should().Be("0/1 healthy");
        clusters.GetProperty("echo").GetString().Should().Be("1/1 healthy");
        live.StatusCode.Should().Be(HttpStatusCode.OK, "liveness does not look at backends");
    }

    /// <summary>Polls readiness the way a kubelet does, until it answers something other than 200; bounded by the token.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> FirstUnreadyAsync(HttpClient http, Uri ready, CancellationToken ct)
    {
        while (true)
        {
            using var response = await http.GetAsync(ready, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct); // a probe's period, not a synchronisation: the token bounds it
        }
    }
}
