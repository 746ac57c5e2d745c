namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>What every server mode shares: a loopback listener, a printed port, and a bounded lifetime.</summary>
internal static class HostCommon
{
    public const string ListeningPrefix = "LISTENING ";

    /// <summary>Announces the port, then runs until the parent closes stdin, the process is told to stop, or the lifetime cap passes.</summary>
    public static async Task RunAsync(WebApplication app, TimeSpan maxLifetime)
    {
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        Console.Out.WriteLine(ListeningPrefix + port);
        Console.Out.Flush();

        using var stop = new CancellationTokenSource(maxLifetime);
        var stdinClosed = Task.Run(async () =>
        {
            var buffer = new char[64];
            using var stdin = Console.In;
            while (await stdin.ReadAsync(buffer.AsMemory(), stop.Token) > 0)
            {
            }
        });
        try
        {
            await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, app.Lifetime.ApplicationStopping), Task.Delay(Timeout.Infinite, stop.Token));
        }
        catch (OperationCanceledException)
        {
        }

        using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await app.StopAsync(stopTimeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync();
    }

    public static WebApplicationBuilder CreateBuilder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        return builder;
    }
}
