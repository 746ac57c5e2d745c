using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>Two SignalR backends sharing a backplane, behind a gateway route <c>/hub/{**rest}</c> to a round-robin cluster of both (<c>ForwardHttp</c> unset when null).</summary>
internal sealed class SignalRCluster : IAsyncDisposable
{
    private readonly List<HubConnection> _connections = [];

    private SignalRCluster(SignalRBackend first, SignalRBackend second, RealtimeGateway gateway)
    {
        Backends = [first, second];
        Gateway = gateway;
    }

    public IReadOnlyList<SignalRBackend> Backends { get; }

    public RealtimeGateway Gateway { get; }

    public Uri HubUrl => Gateway.Http("/hub");

    public static async Task<SignalRCluster> StartAsync(bool? forwardHttp, CancellationToken cancellationToken)
    {
        var backplane = new SignalRBackplane();
        var first = await SignalRBackend.StartAsync("signalr-1", backplane, cancellationToken);
        var second = await SignalRBackend.StartAsync("signalr-2", backplane, cancellationToken);
        var settings = new GatewaySettings()
            .Route("hub", "/hub/{**rest}", "signalr", forwardHttp)
            .Cluster("signalr", [(first.Name, first.HubAddress), (second.Name, second.HubAddress)]);
        var gateway = await RealtimeGateway.StartAsync(settings, cancellationToken);
        return new SignalRCluster(first, second, gateway);
    }

    /// <summary>A hub connection with the client's default options (negotiate, then the best transport: WebSockets).</summary>
    public HubConnection DefaultConnection(bool automaticReconnect = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(HubUrl);
        if (automaticReconnect)
        {
            builder.WithAutomaticReconnect();
        }

        return Track(builder.Build());
    }

    /// <summary>A hub connection that skips negotiate and opens a WebSocket straight away (works with a WebSocket-only route).</summary>
    public HubConnection SkipNegotiationConnection()
        => Track(new HubConnectionBuilder()
            .WithUrl(HubUrl, options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build());

    /// <summary>What each backend saw, for failure messages.</summary>
    public string Describe()
        => string.Join("\n", Backends.Select(b => $"{b.Name}: {string.Join(" | ", b.Requests)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        await Gateway.DisposeAsync();
        foreach (var backend in Backends)
        {
            await backend.DisposeAsync();
        }
    }

    private HubConnection Track(HubConnection connection)
    {
        _connections.Add(connection);
        return connection;
    }
}
