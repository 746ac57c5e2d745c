using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>
/// The official .NET SignalR client with its default options (negotiate over HTTP, then WebSockets) through a
/// <c>ForwardHttp</c> route to two backends: negotiate and the upgrade must reach the same backend (affinity).
/// </summary>
public sealed class SignalRDefaultOptionsTests
{
    private const int Clients = 4;

    [Fact(Timeout = 60_000)]
    public async Task Negotiate_ForwardHttp_IsAnsweredByABackend()
    {
        var ct = Bounded.Token(30);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: true, ct);
        using var http = new HttpClient();

        using var response = await http.PostAsync(cluster.Gateway.Http("/hub/negotiate?negotiateVersion=1"), content: null, ct);

        var body = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK, "negotiate is forwarded to a backend ({0}); backends saw: {1}", body.Trim(), cluster.Describe());
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("connectionToken").GetString().Should().NotBeNullOrEmpty();
        json.RootElement.GetProperty("availableTransports").EnumerateArray()
            .Select(t => t.GetProperty("transport").GetString())
            .Should().Contain("WebSockets");
    }

    [Fact(Timeout = 90_000)]
    public async Task Invoke_DefaultOptions_RoundTripsOverWebSocketsOnBothBackends()
    {
        var ct = Bounded.Token(60);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: true, ct);
        var infos = new List<HubConnectionInfo>();

        for (var i = 0; i < Clients; i++)
        {
            var connection = cluster.DefaultConnection();
            await StartAsync(connection, cluster, ct);
            var info = await connection.InvokeAsync<HubConnectionInfo>(nameof(RealtimeHub.WhoAmI), ct);
            infos.Add(info);
            for (var n = 0; n < 10; n++)
            {
                (await connection.InvokeAsync<string>(nameof(RealtimeHub.Echo), $"m{n}", ct)).Should().Be($"{info.Server}:m{n}");
            }
        }

        infos.Should().OnlyContain(i => i.Transport == "WebSockets", "the upgrade goes through the gateway's WebSocket pump, not a fallback transport");
        infos.Select(i => i.Server).Distinct().Should().HaveCount(2, "a round-robin cluster spreads four clients over both backends");
    }

    [Fact(Timeout = 90_000)]
    public async Task Broadcast_DefaultOptions_ReachesEveryClientOnBothBackends()
    {
        var ct = Bounded.Token(60);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: true, ct);
        var connections = new List<HubConnection>();
        var received = new List<TaskCompletionSource<string>>();
        var servers = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < Clients; i++)
        {
            var connection = cluster.DefaultConnection();
            var message = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<string, string>(RealtimeHub.BroadcastMethod, (from, text) => message.TrySetResult($"{from}:{text}"));
            await StartAsync(connection, cluster, ct);
            servers.Add((await connection.InvokeAsync<HubConnectionInfo>(nameof(RealtimeHub.WhoAmI), ct)).Server);
            connections.Add(connection);
            received.Add(message);
        }

        await connections[0].InvokeAsync(nameof(RealtimeHub.Broadcast), "hello all", ct);

        var messages = await Task.WhenAll(received.Select(r => r.Task)).Within(ct, "every client to receive the broadcast");
        messages.Should().OnlyContain(m => m.EndsWith(":hello all", StringComparison.Ordinal));
        servers.Should().HaveCount(2);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stream_DefaultOptions_DeliversEveryItemInOrder()
    {
        var ct = Bounded.Token(45);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: true, ct);
        var connection = cluster.DefaultConnection();
        await StartAsync(connection, cluster, ct);

        var items = new List<int>();
        await foreach (var item in connection.StreamAsync<int>(nameof(RealtimeHub.Counter), 100, ct))
        {
            items.Add(item);
        }

        items.Should().Equal(Enumerable.Range(1, 100));
    }

    /// <remarks>
    /// The client retries every half second until the token ends (not the default 0/2/10/30 s schedule that gives up
    /// after four attempts), and every handshake may take a minute: on a loaded machine a single negotiate took 9 s.
    /// Its attempts are in the test output.
    /// </remarks>
    [Fact(Timeout = 150_000)]
    public async Task Reconnect_BackendHoldingTheConnectionDies_ClientReconnectsToTheOtherBackend()
    {
        var ct = Bounded.Token(120);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: true, ct);
        var connection = cluster.DefaultConnection(automaticReconnect: true);
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconnectErrors = new ConcurrentQueue<string>();
        connection.Reconnected += id =>
        {
            reconnected.TrySetResult(id);
            return Task.CompletedTask;
        };
        connection.Reconnecting += error =>
        {
            reconnectErrors.Enqueue(error?.Message ?? "reconnecting");
            return Task.CompletedTask;
        };
        connection.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        await StartAsync(connection, cluster, ct);
        var before = await connection.InvokeAsync<HubConnectionInfo>(nameof(RealtimeHub.WhoAmI), ct);

        await cluster.Backends.Single(b => b.Name == before.Server).StopAsync();

        var outcome = await Task.WhenAny(reconnected.Task, closed.Task).Within(ct, "the client to reconnect after its backend died");
        var closeError = outcome == closed.Task ? await closed.Task : null;
        outcome.Should().BeSameAs(reconnected.Task, "the client reconnects through the gateway to the live backend (closed with: {0}; reconnect attempts saw: {1}; backends saw: {2})",
            closeError?.Message, string.Join(" | ", reconnectErrors), cluster.Describe());
        var after = await connection.InvokeAsync<HubConnectionInfo>(nameof(RealtimeHub.WhoAmI), ct);
        after.Server.Should().NotBe(before.Server);
        after.Transport.Should().Be("WebSockets");
        (await connection.InvokeAsync<string>(nameof(RealtimeHub.Echo), "again", ct)).Should().Be($"{after.Server}:again");
    }

    private static async Task StartAsync(HubConnection connection, SignalRCluster cluster, CancellationToken cancellationToken)
    {
        try
        {
            await connection.StartAsync(cancellationToken).Within(cancellationToken, "the hub connection to start");
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            throw new InvalidOperationException($"StartAsync failed: {e.GetType().Name}: {e.Message}\nBackends saw:\n{cluster.Describe()}", e);
        }
    }
}
