using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
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
            .Cluster("signalr", [(first.Name, first.HubAddress), (second.Name, second.HubAddress)])

            // A backend handshake that is only slow (a loaded machine) is not a dead backend: the defaults (5 s per
            // attempt, 10 s in all) are tuned for production; a dead backend still fails at once (connection refused).
            .Set("Clusters:signalr:ConnectTimeout", SlowMachineTimeout.ToString())
            .Set("Clusters:signalr:ConnectDeadline", (2 * SlowMachineTimeout).ToString());
        var gateway = await RealtimeGateway.StartAsync(settings, cancellationToken);
        return new SignalRCluster(first, second, gateway);
    }

    /// <summary>
    /// How long a handshake may take before it counts as failed — the client's and the backends' SignalR handshake, the
    /// gateway's backend handshake — well above the 15 s / 5 s defaults: on a loaded test machine one negotiate has
    /// taken 9 s and one WebSocket start 7 s. Tests stay bounded by their own tokens.
    /// </summary>
    public static TimeSpan SlowMachineTimeout { get; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A hub connection with the client's default options (negotiate, then the best transport: WebSockets). With
    /// <paramref name="automaticReconnect"/> it retries every half second until it reconnects or the test's token ends
    /// it (the default schedule, 0/2/10/30 s, gives up for good after four failed attempts), and logs its attempts to
    /// the test output.
    /// </summary>
    public HubConnection DefaultConnection(bool automaticReconnect = false)
    {
        var builder = new HubConnectionBuilder().WithUrl(HubUrl);
        if (automaticReconnect)
        {
            builder.WithAutomaticReconnect(new SteadyRetryPolicy(TimeSpan.FromMilliseconds(500)));
            builder.Services.AddLogging(logging => logging.AddProvider(new TestOutputLoggerProvider("client")));
        }

        var connection = builder.Build();
        connection.HandshakeTimeout = SlowMachineTimeout;
        return Track(connection);
    }

    /// <summary>A hub connection that skips negotiate and opens a WebSocket straight away (works with a WebSocket-only route).</summary>
    public HubConnection SkipNegotiationConnection()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(HubUrl, options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        connection.HandshakeTimeout = SlowMachineTimeout;
        return Track(connection);
    }

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

/// <summary>Retries after the same delay every time, never giving up: the caller's deadline ends it.</summary>
internal sealed class SteadyRetryPolicy(TimeSpan delay) : IRetryPolicy
{
    public TimeSpan? NextRetryDelay(RetryContext retryContext) => delay;
}
