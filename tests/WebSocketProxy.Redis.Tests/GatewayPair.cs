using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>One real redis-server (shared or started for the test), one echo backend and two gateway instances under one key prefix, both connected to Redis.</summary>
internal sealed class GatewayPair : IAsyncDisposable
{
    private readonly IAsyncDisposable? _ownedRedis;

    private GatewayPair(IAsyncDisposable? ownedRedis, TestBackend backend, TestGateway a, TestGateway b)
    {
        _ownedRedis = ownedRedis;
        Backend = backend;
        A = a;
        B = b;
    }

    public TestBackend Backend { get; }

    public TestGateway A { get; }

    public TestGateway B { get; }

    /// <summary>Starts the pair; <paramref name="start"/> starts one gateway from the backend's address, the Redis configuration and the shared prefix.</summary>
    public static async Task<GatewayPair> StartAsync(Func<Uri, string, string, Task<TestGateway>> start, CancellationToken cancellationToken)
    {
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(cancellationToken);
        var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        var a = await start(backend.WsUri(), configuration, prefix);
        var b = await start(backend.WsUri(), configuration, prefix);
        var pair = new GatewayPair(owned, backend, a, b);
        try
        {
            await RedisGateways.ConnectedAsync(cancellationToken, a, b);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Backend.DisposeAsync();
        if (_ownedRedis is not null)
        {
            await _ownedRedis.DisposeAsync();
        }
    }
}
