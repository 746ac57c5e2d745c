using System.Diagnostics;
using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Management;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

public sealed class CloseTests
{
    [Fact]
    public async Task Close_FromClient_CodeAndReasonReachBackendAndHandshakeCompletes()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.CloseAsync((WebSocketCloseStatus)4001, "client bye", ct);

        var close = await backend.FirstClose.Task.WaitAsync(ct);
        close!.Value.Status.Should().Be((WebSocketCloseStatus)4001);
        close.Value.Description.Should().Be("client bye");
        client.State.Should().Be(WebSocketState.Closed);
        client.CloseStatus.Should().Be((WebSocketCloseStatus)4001, "the backend's answering close is relayed back");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Close_FromBackend_CodeAndReasonReachClient(bool coalesceWrites)
    {
        var ct = Ws.Timeout();
        var backendClosed = new TaskCompletionSource<WebSocketState>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            await socket.ReceiveMessageAsync(ct);
            await socket.CloseAsync((WebSocketCloseStatus)4002, "server bye", ct);
            backendClosed.TrySetResult(socket.State);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), options: o => o.CoalesceWrites = coalesceWrites);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("go", ct);
        var close = await client.ReceiveMessageAsync(ct);
        await client.CloseOutputAsync(close.CloseStatus!.Value, close.CloseDescription, ct);

        close.CloseStatus.Should().Be((WebSocketCloseStatus)4002);
        close.CloseDescription.Should().Be("server bye");
        (await backendClosed.Task.WaitAsync(ct)).Should().Be(WebSocketState.Closed, "the client's answer completes the backend's close handshake");
    }

    [Fact]
    public async Task Close_BackendVanishes_ClientGets1014WithinTwoSeconds()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, context) =>
        {
            await socket.ReceiveMessageAsync(ct);
            context.Abort(); // TCP connection dropped without a close frame
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("die", ct);
        var watch = Stopwatch.StartNew();
        var close = await client.ReceiveMessageAsync(ct);

        close.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Close_ClientVanishes_BackendGets1001WithinTwoSeconds()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("hi", ct);
        await client.ReceiveMessageAsync(ct);

        var watch = Stopwatch.StartNew();
        client.Abort();
        client.Dispose();
        var close = await backend.FirstClose.Task.WaitAsync(ct);

        close!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Close_ThousandConnectCloseCycles_LeaveNoLiveSessions()
    {
        var ct = Ws.Timeout(120);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());
        var registry = gateway.Services.GetRequiredService<SessionRegistry>();
        var backendState = gateway.Services.GetRequiredService<ProxyConfigManager>().Current.Clusters["c"].Backends[0];

        await Parallel.ForAsync(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), token);
            if (i % 3 == 0)
            {
                await client.SendTextAsync("x", token);
                await client.ReceiveMessageAsync(token);
            }

            if (i % 5 == 0)
            {
                client.Abort();
            }
            else
            {
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, token);
            }
        });

        await Eventually.MatchesAsync(
            () => new { Sessions = registry.Count, BackendConnections = backendState.ActiveConnections, BackendSockets = Volatile.Read(ref backend.ActiveSockets) },
            live => live.Sessions == 0 && live.BackendConnections == 0 && live.BackendSockets == 0,
            ct,
            Timeout.InfiniteTimeSpan);

        registry.Count.Should().Be(0);
        backendState.ActiveConnections.Should().Be(0);
    }

    [Fact]
    public async Task IdleTimeout_NoTraffic_BothLegsClosedWith1001()
    {
        var ct = Ws.Timeout();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { IdleTimeout = TimeSpan.FromMinutes(1) }, services: s => s.AddSingleton<TimeProvider>(time));
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("hi", ct);
        await client.ReceiveMessageAsync(ct);

        time.Advance(TimeSpan.FromSeconds(59));
        await client.SendTextAsync("still here", ct); // activity resets the clock
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("still here");
        time.Advance(TimeSpan.FromSeconds(59));
        time.Advance(TimeSpan.FromSeconds(2));

        var close = await client.ReceiveMessageAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task KeepAlive_BackendStopsAnsweringPings_ClientGets1014()
    {
        var ct = Ws.Timeout();
        var hold = new TaskCompletionSource();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept((_, _, _) => hold.Task.WaitAsync(ct))); // never reads: pongs go unanswered
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { KeepAliveInterval = TimeSpan.FromMilliseconds(200), KeepAliveTimeout = TimeSpan.FromMilliseconds(400) });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        var close = await client.ReceiveMessageAsync(ct);

        close.CloseStatus.Should().Be((WebSocketCloseStatus)1014);
        hold.TrySetResult();
    }

    [Fact]
    public async Task Shutdown_LiveSessions_GetGoingAwayOnBothLegsAndNewUpgradesGet503()
    {
        var ct = Ws.Timeout(30);
        await using var backend = await TestBackend.StartEchoAsync();
        var stubborn = new TaskCompletionSource();
        await using var slowBackend = await TestBackend.StartAsync(BackendHandlers.Accept((_, _, _) => stubborn.Task.WaitAsync(ct))); // never answers the close: keeps the drain open
        var gateway = await TestGateway.StartAsync(
            o =>
            {
                o.DrainTimeout = TimeSpan.FromSeconds(10);
                o.Routes["r"] = new() { Path = "/ws/{**rest}", Cluster = "c" };
                o.Routes["slow"] = new() { Path = "/slow", Cluster = "slow" };
                o.Clusters["c"] = new() { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = backend.WsUri().ToString() } } };
                o.Clusters["slow"] = new() { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = slowBackend.WsUri().ToString() } } };
            });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var slowClient = await Ws.ConnectAsync(gateway.Ws("/slow"), ct);
        var registry = gateway.Services.GetRequiredService<SessionRegistry>();

        var stopping = gateway.App.StopAsync(ct);
        var close = await client.ReceiveMessageAsync(ct);
        close.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        await client.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, ct);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);

        registry.IsDraining.Should().BeTrue();
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);
        status.Should().Be(503);

        stubborn.TrySetResult();
        await stopping;
        await gateway.DisposeAsync();
    }
}
