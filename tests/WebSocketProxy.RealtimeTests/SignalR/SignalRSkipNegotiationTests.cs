using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>
/// The control case, which works on a WebSocket-only route: the .NET SignalR client with <c>SkipNegotiation</c> and the
/// WebSockets transport through the gateway to two backends.
/// </summary>
public sealed class SignalRSkipNegotiationTests
{
    [Fact(Timeout = 90_000)]
    public async Task SkipNegotiation_WebSocketOnlyRoute_InvokeBroadcastAndStreamWork()
    {
        var ct = Bounded.Token(60);
        await using var cluster = await SignalRCluster.StartAsync(forwardHttp: null, ct);
        var connections = new List<HubConnection>();
        var received = new List<TaskCompletionSource<string>>();
        var infos = new List<HubConnectionInfo>();

        for (var i = 0; i < 4; i++)
        {
            var connection = cluster.SkipNegotiationConnection();
            var message = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.On<string, string>(RealtimeHub.BroadcastMethod, (from, text) => message.TrySetResult($"{from}:{text}"));
            await connection.StartAsync(ct).Within(ct, "the hub connection to start");
            var info = await connection.InvokeAsync<HubConnectionInfo>(nameof(RealtimeHub.WhoAmI), ct);
            (await connection.InvokeAsync<string>(nameof(RealtimeHub.Echo), "ping", ct)).Should().Be($"{info.Server}:ping");
            infos.Add(info);
            connections.Add(connection);
            received.Add(message);
        }

        infos.Should().OnlyContain(i => i.Transport == "WebSockets");
        infos.Select(i => i.Server).Distinct().Should().HaveCount(2);

        await connections[0].InvokeAsync(nameof(RealtimeHub.Broadcast), "hello all", ct);
        var messages = await Task.WhenAll(received.Select(r => r.Task)).Within(ct, "every client to receive the broadcast");
        messages.Should().OnlyContain(m => m.EndsWith(":hello all", StringComparison.Ordinal));

        var items = new List<int>();
        await foreach (var item in connections[1].StreamAsync<int>(nameof(RealtimeHub.Counter), 100, ct))
        {
            items.Add(item);
        }

        items.Should().Equal(Enumerable.Range(1, 100));
    }
}
