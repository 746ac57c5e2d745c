using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Docker;

/// <summary>deploy/compose.yaml: the services it promises, and its environment run for real (the published image command, loopback instead of service names).</summary>
public sealed class ComposeTests
{
    private readonly GatewayPublish _publish;

    public ComposeTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    [Fact]
    public async Task Compose_GatewayTwoEchoBackendsRedis_ReadOnly_GraceCoversTheDrain()
    {
        DeployTools.Require();
        var services = (await DeployTools.YamlAsync(RepositoryPaths.Compose, Bounded.Timeout(30)))[0].GetProperty("services");

        services.EnumerateObject().Select(s => s.Name).Should().BeEquivalentTo(["gateway", "echo-1", "echo-2", "redis"]);
        var budget = ShutdownBudget.OfImage();
        foreach (var name in new[] { "gateway", "echo-1", "echo-2" })
        {
            var service = services.GetProperty(name);
            service.GetProperty("build").GetProperty("dockerfile").GetString().Should().Be("deploy/Dockerfile");
            service.GetProperty("read_only").GetBoolean().Should().BeTrue();
            service.GetProperty("tmpfs").EnumerateArray().Select(e => e.GetString()).Should().Contain("/tmp");
            Duration(service.GetProperty("stop_grace_period").GetString()!).Should().BeGreaterThanOrEqualTo(budget.HostShutdownTimeout, $"{name} must be given the whole drain");
        }

        foreach (var service in services.EnumerateObject())
        {
            var image = service.Value.GetProperty("image").GetString()!;
            image.Should().MatchRegex(@":[\w][\w.-]*$").And.NotEndWith(":latest");
        }

        var gateway = Environment(services.GetProperty("gateway"));
        gateway["WebSocketProxy__Clusters__echo__Backends__echo-1__Address"].Should().Be("ws://echo-1:8080/echo");
        gateway["WebSocketProxy__Clusters__echo__Backends__echo-2__Address"].Should().Be("ws://echo-2:8080/echo");
        gateway["ConnectionStrings__Redis"].Should().StartWith("redis:6379");
        Environment(services.GetProperty("echo-1"))["Gateway__EchoPath"].Should().Be("/echo");
        Environment(services.GetProperty("echo-2"))["Gateway__EchoPath"].Should().Be("/echo");
    }

    [Fact]
    public async Task ComposeEnvironment_GatewayBalancesSessionsOverBothEchoBackends()
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(300);
        var services = (await DeployTools.YamlAsync(RepositoryPaths.Compose, ct))[0].GetProperty("services");
        var publish = await _publish.GetAsync(ct);

        var loopback = new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" };
        await using var echo1 = await GatewayProcess.StartAsync(publish, Merge(Environment(services.GetProperty("echo-1")), loopback), ct);
        await using var echo2 = await GatewayProcess.StartAsync(publish, Merge(Environment(services.GetProperty("echo-2")), loopback), ct);
        var gatewayEnvironment = Environment(services.GetProperty("gateway"))
            .ToDictionary(p => p.Key, p => p.Value
                .Replace("echo-1:8080", $"127.0.0.1:{echo1.HttpUrl.Port}", StringComparison.Ordinal)
                .Replace("echo-2:8080", $"127.0.0.1:{echo2.HttpUrl.Port}", StringComparison.Ordinal));
        gatewayEnvironment["Gateway__ConfigFiles"] = Path.Combine(RepositoryPaths.Deploy, "config", "appsettings.json"); // the ./config:/config mount
        await using var gateway = await GatewayProcess.StartAsync(publish, Merge(gatewayEnvironment, loopback), ct);

        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var socket = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.HttpUrl.Port}/ws/room-{i}"), ct);
                sockets.Add(socket);
                await socket.SendTextAsync($"hello {i}", ct);
                (await socket.ReceiveTextAsync(ct)).Should().Be($"hello {i}");
            }

            using var http = new HttpClient();
            var metrics = await http.GetStringAsync(new Uri(gateway.HttpUrl, "/metrics"), ct);
            metrics.Should().Contain("backend=\"echo-1\"").And.Contain("backend=\"echo-2\"", "LeastConnections spreads four live sessions over both backends");
            metrics.Should().MatchRegex(@"websocket_proxy_connections_active\{[^}]*\} 4\b");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private static Dictionary<string, string> Environment(JsonElement service)
        => service.GetProperty("environment").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);

    private static Dictionary<string, string> Merge(Dictionary<string, string> first, Dictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }

    private static TimeSpan Duration(string compose)
    {
        compose.Should().MatchRegex(@"^\d+s$", "this test reads durations in seconds");
        return TimeSpan.FromSeconds(int.Parse(compose[..^1], CultureInfo.InvariantCulture));
    }
}
