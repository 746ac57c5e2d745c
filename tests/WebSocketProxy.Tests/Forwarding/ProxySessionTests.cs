using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Tests.Forwarding;

public sealed class ProxySessionTests
{
    private static (ProxySession Session, WebSocketPair ClientLeg, WebSocketPair BackendLeg, ServiceProvider Services) Create(RouteConfig? route = null)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var routeConfig = route ?? new RouteConfig { Path = "/ws", Cluster = "c" };
        var proxyRoute = new RouteModel("r", routeConfig, RoutePatternFactory.Parse("/ws"), FeatureSet.Empty);
        var cluster = Backends.BackendTestContext.Cluster([Backends.BackendTestContext.Backend("b", "ws://backend/ws")], new RoundRobinPolicy());
        var connection = new ProxyConnectionContext(new DefaultHttpContext(), proxyRoute, cluster);
        var clientLeg = new WebSocketPair();   // Client = the browser, Server = the proxy's client leg
        var backendLeg = new WebSocketPair();  // Client = the proxy's backend leg, Server = the backend
        var metrics = new ProxyMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var session = new ProxySession(connection, new SessionOptions(), clientLeg.Server, null, backendLeg.Client, metrics, NullLogger.Instance, TimeProvider.System);
        return (session, clientLeg, backendLeg, services);
    }

    [Fact]
    public async Task RunAsync_MessagesBothWays_ForwardedWithTypeAndCounted()
    {
        var ct = Ws.Timeout(10);
        var (session, clientLeg, backendLeg, services) = Create();
        using var collector = new MetricCollector<long>(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.messages");
        var running = session.RunAsync();
        var buffer = new byte[64];

        await clientLeg.Client.SendAsync("up"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        var atBackend = await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await backendLeg.Server.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, ct);
        var atClient = await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);

        atBackend.MessageType.Should().Be(WebSocketMessageType.Text);
        atBackend.Count.Should().Be(2);
        atClient.MessageType.Should().Be(WebSocketMessageType.Binary);
        atClient.Count.Should().Be(3);
        await collector.WaitForMeasurementsAsync(2, TimeSpan.FromSeconds(5));
        collector.GetMeasurementSnapshot().Select(m => m.Tags["direction"]).Should().BeEquivalentTo(["client_to_backend", "backend_to_client"]);

        await clientLeg.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        (await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct)).MessageType.Should().Be(WebSocketMessageType.Close);
        backendLeg.Server.CloseStatusDescription.Should().Be("done");
        await backendLeg.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        (await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct)).MessageType.Should().Be(WebSocketMessageType.Close);
        await running.WaitAsync(ct);
        clientLeg.Client.State.Should().Be(WebSocketState.Closed);
        backendLeg.Server.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RequestClose_BothLegsGetTheirCodes()
    {
        var ct = Ws.Timeout(10);
        var (session, clientLeg, backendLeg, _) = Create();
        var running = session.RunAsync();
        var buffer = new byte[64];

        session.RequestClose(ProxyCloseStatus.ServiceRestart, "drained", WebSocketCloseStatus.EndpointUnavailable, "proxy going away");

        (await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct)).MessageType.Should().Be(WebSocketMessageType.Close);
        clientLeg.Client.CloseStatus.Should().Be((WebSocketCloseStatus)1012);
        (await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct)).MessageType.Should().Be(WebSocketMessageType.Close);
        backendLeg.Server.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        await clientLeg.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await backendLeg.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await running.WaitAsync(ct);
    }
}
