using System.Diagnostics;
using System.Net;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Docker;

/// <summary>
/// The image's entry command, run without a container engine: the gateway published as the Dockerfile publishes it,
/// started as <c>dotnet WebSocketProxy.Gateway.dll</c> in the publish folder with only the image's environment, the
/// test's routes and a loopback address.
/// </summary>
public sealed class ImageEntryCommandTests
{
    private readonly GatewayPublish _publish;

    public ImageEntryCommandTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    [Fact]
    public async Task EntryCommand_MountedFileAndEnvironment_ProxiesToLoopbackEcho_HealthCheck_WritesNothing_StopsOnSigterm()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        var before = Snapshot(publish);
        await using var echo = await LoopbackEcho.StartAsync();
        var config = Path.Combine(Directory.CreateTempSubdirectory("websocketproxy-config-").FullName, "appsettings.json");

        // The mounted file declares the route and a wrong backend; the environment re-points the backend (it wins).
        await File.WriteAllTextAsync(config, """
            {
              "WebSocketProxy": {
                "Routes": { "echo": { "Path": "/ws/{**rest}", "Cluster": "echo" } },
                "Clusters": { "echo": { "Backends": { "main": { "Address": "ws://127.0.0.1:9/nothing-here" } } } }
              }
            }
            """, ct);
        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Gateway__ConfigFiles"] = config,
            ["WebSocketProxy__Clusters__echo__Backends__main__Address"] = echo.WsUri("/echo").ToString(),
        }, ct);
        var port = gateway.HttpUrl.Port;

        using var http = new HttpClient();
        (await http.GetAsync(new Uri(gateway.HttpUrl, "/healthz/live"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync(new Uri(gateway.HttpUrl, "/healthz/ready"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        using (var socket = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws/room?id=entry"), ct))
        {
            await socket.SendTextAsync("through the image command", ct);
            (await socket.ReceiveTextAsync(ct)).Should().Be("through the image command");
            var metrics = await http.GetStringAsync(new Uri(gateway.HttpUrl, "/metrics"), ct);
            metrics.Should().MatchRegex(@"websocket_proxy_connections_active\{[^}]*route=""echo""[^}]*\} 1\b");
            await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", ct);
        }

        echo.Received["entry"].Should().Be(1);

        // The image's HEALTHCHECK command, as Docker runs it inside the container (ASPNETCORE_HTTP_PORTS names the port).
        var healthCheck = HealthCheckCommand();
        var probeEnvironment = GatewayProcess.ImageEnvironment(gateway.Home);
        probeEnvironment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var healthy = await ProcessRunner.RunAsync(GatewayPublish.Dotnet, healthCheck[1..], publish, ct, probeEnvironment);
        healthy.ExitCode.Should().Be(0, healthy.All);

        var stopwatch = Stopwatch.StartNew();
        gateway.Terminate();
        await gateway.WaitForExitAsync(ct);
        stopwatch.Elapsed.Should().BeLessThan(ShutdownBudget.OfImage().HostShutdownTimeout);
        gateway.ExitCode.Should().Be(0, gateway.Log);

        var unhealthy = await ProcessRunner.RunAsync(GatewayPublish.Dotnet, healthCheck[1..], publish, ct, probeEnvironment);
        unhealthy.ExitCode.Should().Be(1, "nothing listens any more");

        Snapshot(publish).Should().Equal(before, "the image's /app stays read-only");
        Directory.EnumerateFileSystemEntries(gateway.Home).Should().BeEmpty("the gateway writes nothing to HOME (read-only root filesystem)");
    }

    [Fact]
    public async Task EntryCommand_ShutdownTimeoutShorterThanTheDrain_RefusesToStart()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        var home = Directory.CreateTempSubdirectory("websocketproxy-gateway-home-").FullName;
        var environment = GatewayProcess.ImageEnvironment(home);
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        environment["WebSocketProxy__DrainTimeout"] = "00:00:10";
        environment["Gateway__ShutdownDelay"] = "00:00:02";
        environment["Gateway__ShutdownTimeout"] = "00:00:05";

        var result = await ProcessRunner.RunAsync(GatewayPublish.Dotnet, ["WebSocketProxy.Gateway.dll"], publish, ct, environment);

        result.ExitCode.Should().NotBe(0);
        result.All.Should().Contain("Gateway:ShutdownTimeout (00:00:05) must be at least Gateway:ShutdownDelay + WebSocketProxy:DrainTimeout (00:00:12)");
        Directory.Delete(home, recursive: true);
    }

    private static string[] HealthCheckCommand()
    {
        var healthCheck = Dockerfile.Load(RepositoryPaths.Dockerfile).All("HEALTHCHECK").Single().Arguments;
        var json = healthCheck[(healthCheck.IndexOf("CMD ", StringComparison.Ordinal) + 4)..];
        var command = JsonSerializer.Deserialize<string[]>(json)!;
        command[0].Should().Be("dotnet");
        return command;
    }

    private static List<string> Snapshot(string folder)
        => [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(path => new FileInfo(path))
            .Select(file => $"{Path.GetRelativePath(folder, file.FullName)}|{(file.Exists ? file.Length : -1)}|{file.LastWriteTimeUtc.Ticks}")
            .Order(StringComparer.Ordinal)];
}
