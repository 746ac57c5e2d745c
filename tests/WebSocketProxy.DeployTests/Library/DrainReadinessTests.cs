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
/// Readiness in an app that uses only the library (no gateway host): the readiness check the library offers,
/// <c>AddWebSocketProxyBackends(tags: ["ready"])</c>, should report unhealthy as soon as the proxy starts draining,
/// so an orchestrator stops routing new clients to an instance that answers them 503.
/// </summary>
public sealed class DrainReadinessTests
{
    [Fact(Skip = "Needs a library change: the backends health check does not look at the drain (SessionRegistry.IsDraining), so readiness stays 200 while new upgrades get 503. See the deploy report.")]
    public async Task BackendsHealthCheck_DuringDrain_IsUnhealthy()
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
        await app.StartAsync(ct);
        var port = new Uri(app.Urls.First()).Port;
        using var http = new HttpClient();
        (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ready"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        // A live session that does not answer the proxy's close keeps the drain going.
        using var socket = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?id=held"), ct);
        var stopping = app.StopAsync(ct);
        (await socket.ReceiveTextAsync(ct)).Should().BeNull("the drain sends 1001");

        var readiness = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/ready"), ct);
        var upgrade = await Ws.TryConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws?id=late"), ct);

        upgrade.Status.Should().Be(StatusCodes.Status503ServiceUnavailable, "new upgrades are refused while draining");
        readiness.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "readiness must agree with the 503s");
        await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "bye", ct);
        await stopping.WaitAsync(ct);
    }
}
