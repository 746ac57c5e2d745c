using Yarp.ReverseProxy.Configuration;

namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>YARP with a minimal in-memory configuration: one route, one cluster, one destination (the echo backend).</summary>
internal static class YarpProxy
{
    public static Task RunAsync(int port, int backendPort, TimeSpan maxLifetime)
    {
        var builder = HostCommon.CreateBuilder(port);
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "echo", ClusterId = "echo", Match = new RouteMatch { Path = "/ws/{**catch-all}" } }],
            [
                new ClusterConfig
                {
                    ClusterId = "echo",
                    Destinations = new Dictionary<string, DestinationConfig> { ["main"] = new() { Address = $"http://127.0.0.1:{backendPort}/" } },
                },
            ]);
        var app = builder.Build();
        HostCommon.MapRuntimeStats(app);
        app.MapReverseProxy();
        return HostCommon.RunAsync(app, maxLifetime);
    }
}
