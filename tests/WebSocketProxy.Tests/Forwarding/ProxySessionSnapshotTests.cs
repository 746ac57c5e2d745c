using System.Net;
using System.Net.WebSockets;
using System.Security.Claims;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>What a session tells about itself through <see cref="ISessionControl.GetSnapshot"/>: identity, traffic each way, close statuses, initiator.</summary>
public sealed class ProxySessionSnapshotTests
{
    private static CancellationToken Timeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        return cts.Token;
    }

    private static (ProxySession Session, WebSocketPair ClientLeg, WebSocketPair BackendLeg) Create(SessionOptions? options = null)
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var routeConfig = new RouteConfig { Path = "/ws", Cluster = "c" };
        var proxyRoute = new RouteModel("r", routeConfig, RoutePatternFactory.Parse("/ws"), FeatureSet.Empty);
        var backend = WebSocketProxy.Tests.Backends.BackendTestContext.Backend("b", "ws://backend/ws");
        var cluster = WebSocketProxy.Tests.Backends.BackendTestContext.Cluster([backend], new RoundRobinPolicy());
        var http = new DefaultHttpContext { TraceIdentifier = "conn-1" };
        http.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:203.0.113.9");
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "test"));
        var connection = new ProxyConnectionContext(http, proxyRoute, cluster) { Backend = cluster.Backends[0] };
        var clientLeg = new WebSocketPair();
        var backendLeg = new WebSocketPair();
        var metrics = new ProxyMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var session = new ProxySession(connection, options ?? new SessionOptions(), clientLeg.Server, null, backendLeg.Client, metrics, NullLogger.Instance, TimeProvider.System);
        return (session, clientLeg, backendLeg);
    }

    [Fact]
    public async Task GetSnapshot_LiveSession_IdentityAndTrafficEachWay()
    {
        var ct = Timeout();
        var (session, clientLeg, backendLeg) = Create();
        var running = session.RunAsync();
        var buffer = new byte[64];

        await clientLeg.Client.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await clientLeg.Client.SendAsync(new byte[7], WebSocketMessageType.Binary, false, ct); // one message in two frames
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await clientLeg.Client.SendAsync(new byte[3], WebSocketMessageType.Binary, true, ct);
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await backendLeg.Server.SendAsync("hi"u8.ToArray(), WebSocketMessageType.Text, true, ct);
        await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);

        var snapshot = session.GetSnapshot();

        snapshot.ConnectionId.Should().Be("conn-1");
        snapshot.RouteId.Should().Be("r");
        snapshot.ClusterId.Should().Be(session.Connection.ClusterId);
        snapshot.BackendId.Should().Be("b");
        snapshot.User.Should().Be("alice");
        snapshot.RemoteAddress.Should().Be("203.0.113.9", "IPv4-mapped addresses are shown as IPv4");
        snapshot.StartedAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        snapshot.ClientToBackend.Should().Be(new SessionTraffic(2, 15));
        snapshot.BackendToClient.Should().Be(new SessionTraffic(1, 2));
        snapshot.ClientCloseStatus.Should().BeNull("the session is live");
        snapshot.CloseInitiator.Should().BeNull();

        await clientLeg.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await backendLeg.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);
        await running.WaitAsync(ct);

        var ended = session.GetSnapshot();
        ended.ClientCloseStatus.Should().Be(1000);
        ended.BackendCloseStatus.Should().Be(1000);
        ended.CloseInitiator.Should().Be("client");
    }

    [Fact]
    public async Task GetSnapshot_ProxyClosedFirst_ItsCodesEvenWhenPeersAnswerOtherwise()
    {
        var ct = Timeout();
        var (session, clientLeg, backendLeg) = Create();
        var running = session.RunAsync();
        var buffer = new byte[64];

        session.RequestClose(ProxyCloseStatus.ServiceRestart, "drained", WebSocketCloseStatus.EndpointUnavailable, "proxy going away");
        await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await clientLeg.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await backendLeg.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        await running.WaitAsync(ct);

        var ended = session.GetSnapshot();
        ended.ClientCloseStatus.Should().Be(1012);
        ended.BackendCloseStatus.Should().Be(1001);
        ended.CloseInitiator.Should().Be("proxy");
    }

    [Fact]
    public async Task GetSnapshot_BackendVanishes_Backend1006Client1014InitiatorBackend()
    {
        var ct = Timeout();
        var (session, clientLeg, backendLeg) = Create();
        var running = session.RunAsync();
        var buffer = new byte[64];

        backendLeg.Server.Abort();
        backendLeg.Dispose();
        (await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct)).MessageType.Should().Be(WebSocketMessageType.Close);
        await clientLeg.Client.CloseOutputAsync(clientLeg.Client.CloseStatus!.Value, null, ct);
        await running.WaitAsync(ct);

        var ended = session.GetSnapshot();
        ended.ClientCloseStatus.Should().Be(1014);
        ended.BackendCloseStatus.Should().Be(1006);
        ended.CloseInitiator.Should().Be("backend");
    }

    [Fact]
    public async Task GetSnapshot_AssemblingPump_CountsForwardedMessages()
    {
        var ct = Timeout();
        var (session, clientLeg, backendLeg) = Create(new SessionOptions { Pipeline = new MessagePipeline([new Shout()]) });
        var running = session.RunAsync();
        var buffer = new byte[64];

        for (var i = 0; i < 3; i++)
        {
            await backendLeg.Server.SendAsync("abcd"u8.ToArray(), WebSocketMessageType.Text, true, ct);
            await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);
        }

        session.GetSnapshot().BackendToClient.Should().Be(new SessionTraffic(3, 15), "the bytes forwarded, after the transformer");
        session.RequestClose((WebSocketCloseStatus)4000, "operator", (WebSocketCloseStatus)4000, "operator");
        await clientLeg.Client.ReceiveAsync(buffer.AsMemory(), ct);
        await backendLeg.Server.ReceiveAsync(buffer.AsMemory(), ct);
        await clientLeg.Client.CloseOutputAsync((WebSocketCloseStatus)4000, null, ct);
        await backendLeg.Server.CloseOutputAsync((WebSocketCloseStatus)4000, null, ct);
        await running.WaitAsync(ct);
        session.GetSnapshot().CloseInitiator.Should().Be("proxy");
        session.GetSnapshot().BackendToClient.Should().Be(new SessionTraffic(3, 15), "an ended session keeps its counts");
    }

    /// <summary>Appends one byte to every message, so forwarded bytes differ from received bytes.</summary>
    private sealed class Shout : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(MessageTransformResult.Forward((byte[])[.. context.Payload.Span, (byte)'!']));
    }
}
