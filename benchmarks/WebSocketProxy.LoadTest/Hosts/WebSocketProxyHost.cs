namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>
/// WebSocketProxy with the sample gateway's configuration (samples/WebSocketProxy.Sample/appsettings.json, copied
/// next to this tool), its echo cluster pointed at the load test's echo backend; <c>WebSocketProxy__*</c> environment
/// variables override it.
/// </summary>
internal static class WebSocketProxyHost
{
    public static Task RunAsync(int port, int backendPort, TimeSpan maxLifetime)
    {
        var sample = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "sample.appsettings.json"), optional: false)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["WebSocketProxy:Clusters:echo:Backends:main:Address"] = $"ws://127.0.0.1:{backendPort}/ws",
                ["WebSocketProxy:Routes:echo:ConcurrentConnections:PerIp"] = "0", // every load client shares 127.0.0.1
            })
            // Lets a run try another setting without editing the sample, e.g. --proxy-env WebSocketProxy__ReceiveBufferSize=65536.
            .AddEnvironmentVariables()
            .Build();

        var builder = HostCommon.CreateBuilder(port);
        builder.Services.AddWebSocketProxy(sample.GetSection("WebSocketProxy"))
            .AddHandshakeRateLimiterPolicies(); // the sample's secure route names one of them
        builder.Services.AddAuthorization();
        var app = builder.Build();
        HostCommon.MapRuntimeStats(app);
        app.MapWebSocketProxy();
        return HostCommon.RunAsync(app, maxLifetime);
    }
}
