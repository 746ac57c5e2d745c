using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.SocketIo;

/// <summary>Two Node Socket.IO servers (one process, tests/realtime-node/socketio-server.mjs) behind a gateway route <c>/socket.io/{**rest}</c>.</summary>
internal sealed class SocketIoCluster : IAsyncDisposable
{
    private SocketIoCluster(NodeServers servers, RealtimeGateway gateway)
    {
        Servers = servers;
        Gateway = gateway;
    }

    public NodeServers Servers { get; }

    public RealtimeGateway Gateway { get; }

    public static async Task<SocketIoCluster> StartAsync(CancellationToken cancellationToken)
    {
        var servers = await NodeServers.StartAsync("socketio-server.mjs", 2, cancellationToken);
        try
        {
            var settings = new GatewaySettings()
                .Route("socketio", "/socket.io/{**rest}", "socketio", forwardHttp: true)
                .Cluster("socketio", servers.Ports.Select((port, i) => ($"sio-{i + 1}", new Uri($"ws://127.0.0.1:{port}/socket.io/"))));
            var gateway = await RealtimeGateway.StartAsync(settings, cancellationToken);
            return new SocketIoCluster(servers, gateway);
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Servers.DisposeAsync();
    }
}
