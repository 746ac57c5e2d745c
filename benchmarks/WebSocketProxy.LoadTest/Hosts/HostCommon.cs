namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>What every server mode shares: a loopback listener, a printed port, and a bounded lifetime.</summary>
internal static class HostCommon
{
    public const string ListeningPrefix = "LISTENING ";

    /// <summary>
    /// With <c>WEBSOCKETPROXY_LOADTEST_ALLOC_TICKS=1</c> (e.g. <c>--wsp-env</c>), the runtime's allocation sampling by type,
    /// printed to stderr when the process stops: where the bytes of the <c>alloc KB/op</c> column come from.
    /// </summary>
    private static readonly WebSocketProxy.Benchmarks.AllocationTickListener? AllocationTicks =
        Environment.GetEnvironmentVariable("WEBSOCKETPROXY_LOADTEST_ALLOC_TICKS") == "1" ? new() : null;

    /// <summary>Announces the port, then runs until the parent closes stdin, the process is told to stop, or the lifetime cap passes.</summary>
    public static async Task RunAsync(WebApplication app, TimeSpan maxLifetime)
    {
        if (AllocationTicks is { } ticks)
        {
            app.Lifetime.ApplicationStopping.Register(() =>
            {
                foreach (var (type, count) in ticks.Samples.OrderByDescending(p => p.Value).Take(30))
                {
                    Console.Error.WriteLine($"  alloc ticks {count,6}  {type}");
                }
            });
        }

        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        Console.Out.WriteLine(ListeningPrefix + port);
        Console.Out.Flush();

        using var stop = new CancellationTokenSource(maxLifetime);
        var stdinClosed = WatchStdin();
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

    /// <summary>
    /// Completes when the parent closes stdin. The read blocks (console reads are synchronous on Unix, even
    /// <c>ReadAsync</c>), so it runs on a thread of its own: on a thread-pool worker it would hold one of the pool's
    /// threads for the process's whole life, and a proxy pinned to one core has a pool whose goal is one thread — every
    /// socket completion would then wait for the pool's starvation injection (stalls of 50–500 ms).
    /// </summary>
    private static Task WatchStdin()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = new Thread(() =>
        {
            try
            {
                var buffer = new char[64];
                while (Console.In.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            closed.TrySetResult();
        })
        {
            IsBackground = true,
            Name = "stdin watcher",
        };
        watcher.Start();
        return closed.Task;
    }

    /// <summary>
    /// Maps <c>GET /_loadtest/runtime</c>: bytes allocated so far and the collections of each generation, so the runner
    /// can put the allocations and collections of a measurement beside its CPU (YARP and WebSocketProxy alike).
    /// </summary>
    public static void MapRuntimeStats(WebApplication app)
        => app.MapGet(RuntimeStatsPath, static () => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{GC.GetTotalAllocatedBytes()} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}"));

    public const string RuntimeStatsPath = "/_loadtest/runtime";

    public static WebApplicationBuilder CreateBuilder(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");

        // As the gateway image does (and ASP.NET Core's own benchmarks): with inline socket completions, Kestrel's pipes
        // run their continuations inline too, so a message crosses no thread-pool hop between the two sockets.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == "1");
        return builder;
    }
}
