using System.Net;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Library;

/// <summary>
/// Readiness in an app that uses only the library (no gateway host): both readiness surfaces the library offers — the
/// health check <c>AddWebSocketProxyBackendAvailability(tags: ["ready"])</c> on the app's own <c>MapHealthChecks</c>,
/// and <c>MapWebSocketProxyHealthChecks()</c>'s <c>/readyz</c> — report unhealthy as soon as the proxy starts draining,
/// so an orchestrator stops routing new clients to an instance that answers them 503; liveness stays 200 meanwhile.
/// </summary>
public sealed class DrainReadinessTests
{
    [Fact]
    public async Task Readiness_DuringDrain_IsUnhealthy_LivenessStaysUp()
    {
        var ct = Bounded.Timeout(60);
        await using var echo = await LoopbackEcho.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWebSocketProxy(options =>
        {
            options.DrainTimeout = TimeSpan.FromSeconds(20);
            options.Routes["echo"] = new() { Path = "/ws", Cluster = "echo" };
            options.Clusters["echo"] = new() { Backends = new Dictionary<string, WebSocketProxy.Configuration.BackendConfig> { ["main"] = new() { Address = echo.WsUri("/echo").ToString() } } };
        });
        builder.Services.AddHealthChecks().AddWebSocketProxyBackendAvailability(tags: ["ready"]);
        await using var app = builder.Build();
        app.MapWebSocketProxy();
        app.MapHealthChecks("/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapWebSocketProxyHealthChecks();
        await app.StartAsync(ct);
        var port = new Uri(app.Urls.First()).Port;
        using var http = new HttpClient();
        (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ready"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        // A live session that does not answer the proxy's close keeps the drain going.
        using var socket = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?id=held"), ct);

        // The client has its 101 before the proxy registers the session: an echo proves the session is live on the
        // server, so the drain below has it to close (and waits for it) rather than racing its registration.
        await socket.SendTextAsync("live", ct);
        (await socket.ReceiveTextAsync(ct)).Should().Be("live");
        var stopping = app.StopAsync(ct);
        (await socket.ReceiveTextAsync(ct)).Should().BeNull("the drain sends 1001");

        var readiness = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ready"), ct);
        var readyz = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), ct);
        var healthz = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"), ct);
        var upgrade = await Ws.TryConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?id=late"), ct);

        upgrade.Status.Should().Be(StatusCodes.Status503ServiceUnavailable, "new upgrades are refused while draining");
        readiness.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "readiness must agree with the 503s");
        readyz.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "MapWebSocketProxyHealthChecks' readiness too");
        (await readyz.Content.ReadAsStringAsync(ct)).Should().Contain("draining");
        healthz.StatusCode.Should().Be(HttpStatusCode.OK, "liveness stays up while draining, so the drain is not cut short");
        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "bye", ct);
        await stopping.WaitAsync(ct);
    }
}
