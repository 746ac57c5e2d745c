using System.Diagnostics;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>Starts the echo backend and the proxies (YARP, nginx, WebSocketProxy), warms each target up, and measures every scenario in alternating rounds.</summary>
internal static class LoadTestRunner
{
    public const string PinnedVariable = "WSP_LOADTEST_PINNED";

    /// <summary>Gets the machine's core count (the pinned generator itself sees only its own core).</summary>
    public static int MachineCores { get; } = ReadMachineCores();

    public static async Task<int> RunAsync(LoadTestOptions options)
    {
        var alreadyPinned = Environment.GetEnvironmentVariable(PinnedVariable) is not null;
        var pin = alreadyPinned || (options.Pin && MachineCores >= 2 && File.Exists("/usr/bin/taskset"));
        if (pin && !alreadyPinned)
        {
            return await RestartPinnedAsync(options);
        }

        var proxyCores = pin ? "0" : null;
        var proxyEnvironment = new Dictionary<string, string>(options.ProxyEnvironment);
        ChildProcess.Unset = [.. options.LoadEnvironment.Keys.Where(k => !options.ProxyEnvironment.ContainsKey(k))];
        if (options.OperatorOptions)
        {
            proxyEnvironment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";
            proxyEnvironment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        }

        Console.WriteLine($"WebSocketProxy load test: {MachineCores} cores, pinned: {(pin ? "proxies on core 0, load + echo on core 1" : "no")}, operator options: {(options.OperatorOptions ? "on" : "off")}");
        Console.WriteLine($"warm-up {options.WarmupSeconds} s per target, {options.Seconds} s per measurement, {options.Rounds} rounds");

        if (options.LoadEnvironment.Count > 0)
        {
            Console.WriteLine($"load side (this tool{(alreadyPinned ? string.Empty : ": not restarted, so not this process")} and the echo backend): {string.Join(", ", options.LoadEnvironment.Select(p => $"{p.Key}={p.Value}"))}");
        }

        await using var echo = await ChildProcess.StartAsync("echo", null, null, options.LoadEnvironment);
        var targets = new List<Target>();
        var children = new List<IAsyncDisposable>();
        try
        {
            foreach (var name in options.Targets)
            {
                switch (name)
                {
                    case "direct":
                        targets.Add(new Target("direct", new Uri($"ws://127.0.0.1:{echo.Port}/ws/echo"), null));
                        break;
                    case "yarp":
                        var yarp = await ChildProcess.StartAsync("proxy-yarp", echo.Port, proxyCores, proxyEnvironment);
                        children.Add(yarp);
                        targets.Add(new Target("yarp", new Uri($"ws://127.0.0.1:{yarp.Port}/ws/echo"), yarp.Pid));
                        break;
                    case "nginx":
                        if (NginxProcess.Executable is null)
                        {
                            Console.WriteLine("nginx is not installed (apt-get install nginx-light): skipping the nginx target");
                            break;
                        }

                        var nginx = await NginxProcess.StartAsync(echo.Port, proxyCores, options.IdleConnections);
                        children.Add(nginx);
                        targets.Add(new Target("nginx", new Uri($"ws://127.0.0.1:{nginx.Port}/ws/echo"), nginx.Pid));
                        break;
                    case "wsp-before":
                        var before = await ChildProcess.StartAsync(ChildProcess.ToolCommand(options.WspBeforeAssembly!), "proxy-wsp", echo.Port, proxyCores, WithOverrides(proxyEnvironment, options.WspBeforeEnvironment));
                        children.Add(before);
                        targets.Add(new Target("wsp-before", new Uri($"ws://127.0.0.1:{before.Port}/ws/echo"), before.Pid));
                        break;
                    case "wsp":
                        var wsp = await ChildProcess.StartAsync("proxy-wsp", echo.Port, proxyCores, WithOverrides(proxyEnvironment, options.WspEnvironment));
                        children.Add(wsp);
                        targets.Add(new Target("wsp", new Uri($"ws://127.0.0.1:{wsp.Port}/ws/echo"), wsp.Pid));
                        break;
                }
            }

            var results = new List<Measurement>();
            var sweep = new List<Measurement>();
            using var scenarios = new Scenarios(echo.Pid);
            var total = Stopwatch.StartNew();

            foreach (var target in targets)
            {
                await WarmUpAsync(scenarios, target, options);
            }

            for (var round = 1; round <= options.Rounds; round++)
            {
                foreach (var (scenario, measure) in Plan(options))
                {
                    // A/B/A/B: every scenario visits every target in turn, the order rotating each round.
                    for (var t = 0; t < targets.Count; t++)
                    {
                        var target = targets[(t + round - 1) % targets.Count];
                        var m = await measure(scenarios, target, round);
                        results.Add(m);
                        Print(m);
                    }
                }
            }

            if (options.Runs("idle"))
            {
                // Rounds alternate like the others; only the first meets a process that never set up this many connections.
                var proxies = targets.Where(t => t.ProxyPid is not null).ToList();
                for (var round = 1; round <= options.IdleRounds; round++)
                {
                    for (var t = 0; t < proxies.Count; t++)
                    {
                        var m = await scenarios.IdleAsync(proxies[(t + round - 1) % proxies.Count], round, options.IdleConnections, options.IdleHoldSeconds);
                        results.Add(m);
                        Print(m);
                    }
                }
            }

            if (options.Runs("sweep"))
            {
                foreach (var connections in options.Sweep)
                {
                    foreach (var target in targets)
                    {
                        var m = await scenarios.PingPongAsync(target, "sweep-64", 1, connections, 64, options.SweepSeconds);
                        sweep.Add(m);
                        Print(m);
                    }
                }
            }

            Console.WriteLine($"measured in {total.Elapsed.TotalSeconds:F0} s");
            var report = new Report(options, pin, targets, results, sweep);
            Console.WriteLine();
            Console.WriteLine(report.Markdown());
            if (options.JsonPath is not null)
            {
                await File.WriteAllTextAsync(options.JsonPath, report.Json());
                Console.WriteLine($"JSON: {options.JsonPath}");
            }

            if (options.MarkdownPath is not null)
            {
                await File.WriteAllTextAsync(options.MarkdownPath, report.Markdown());
                Console.WriteLine($"Markdown: {options.MarkdownPath}");
            }

            if (options.ChartPath is not null && sweep.Count > 0)
            {
                await File.WriteAllTextAsync(options.ChartPath, SvgChart.Render(sweep, targets));
                Console.WriteLine($"Chart: {options.ChartPath}");
            }

            return 0;
        }
        finally
        {
            foreach (var child in children)
            {
                await child.DisposeAsync();
            }
        }
    }

    private static IEnumerable<(string Scenario, Func<Scenarios, Target, int, Task<Measurement>> Measure)> Plan(LoadTestOptions o)
    {
        if (o.Runs("pingpong-64"))
        {
            yield return ("pingpong-64", (s, t, r) => s.PingPongAsync(t, "pingpong-64", r, o.PingPongConnections, 64, o.Seconds));
        }

        if (o.Runs("pingpong-1k"))
        {
            yield return ("pingpong-1k", (s, t, r) => s.PingPongAsync(t, "pingpong-1k", r, o.PingPongConnections, 1024, o.Seconds));
        }

        if (o.Runs("paced-64"))
        {
            yield return ("paced-64", (s, t, r) => s.PingPongAsync(t, "paced-64", r, o.PingPongConnections, 64, o.Seconds, o.PacedRate));
        }

        if (o.Runs("stream-1k"))
        {
            yield return ("stream-1k", (s, t, r) => s.StreamAsync(t, "stream-1k", r, o.StreamConnections, 1024, o.Seconds));
        }

        if (o.Runs("stream-64k"))
        {
            yield return ("stream-64k", (s, t, r) => s.StreamAsync(t, "stream-64k", r, o.StreamConnections, 64 * 1024, o.Seconds));
        }

        if (o.Runs("burst-1k"))
        {
            yield return ("burst-1k", (s, t, r) => s.BurstAsync(t, "burst-1k", r, o.StreamConnections, 1024, o.Seconds));
        }

        if (o.Runs("burst-64k"))
        {
            yield return ("burst-64k", (s, t, r) => s.BurstAsync(t, "burst-64k", r, o.StreamConnections, 64 * 1024, o.Seconds));
        }

        if (o.Runs("connect"))
        {
            yield return ("connect", (s, t, r) => s.ConnectAsync(t, "connect", r, o.ConnectConcurrency, o.Seconds));
        }
    }

    /// <summary>Runs the mix of every scenario against one target until the JIT and the thread pool have settled.</summary>
    private static async Task WarmUpAsync(Scenarios scenarios, Target target, LoadTestOptions options)
    {
        if (options.WarmupSeconds <= 0)
        {
            return;
        }

        Console.WriteLine($"warming up {target.DisplayName} for {options.WarmupSeconds} s");
        var w = options.WarmupSeconds;
        await scenarios.PingPongAsync(target, "warmup", 0, options.PingPongConnections, 64, w * 0.3);
        await scenarios.PingPongAsync(target, "warmup", 0, options.PingPongConnections, 1024, w * 0.15);
        await scenarios.StreamAsync(target, "warmup", 0, options.StreamConnections, 1024, w * 0.25);
        await scenarios.StreamAsync(target, "warmup", 0, options.StreamConnections, 64 * 1024, w * 0.15);
        await scenarios.ConnectAsync(target, "warmup", 0, options.ConnectConcurrency, w * 0.15);
    }

    private static Dictionary<string, string> WithOverrides(Dictionary<string, string> environment, Dictionary<string, string> overrides)
    {
        var merged = new Dictionary<string, string>(environment);
        foreach (var (name, value) in overrides)
        {
            merged[name] = value;
        }

        return merged;
    }

    private static int ReadMachineCores()
    {
        try
        {
            var count = 0;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("processor", StringComparison.Ordinal))
                {
                    count++;
                }
            }

            return count > 0 ? count : Environment.ProcessorCount;
        }
        catch (IOException)
        {
            return Environment.ProcessorCount;
        }
    }

    private static void Print(Measurement m)
    {
        var cpu = m.ProxyCpuUsPerOp is { } c ? $"{c,8:F1} µs cpu/op" : "            -";
        cpu += m.LoadCpuUsPerOp is { } l ? $"  load {l,6:F1} µs/op" : string.Empty;
        var latency = m.P99Us is { } p99 ? $"p50 {m.P50Us,8:F0} µs  p99 {p99,8:F0} µs" : new string(' ', 34);
        var memory = m.KbPerConnection is { } kb ? $"  {kb:F1} KiB/conn" : string.Empty;
        var errors = m.Errors > 0 ? $"  errors {m.Errors}" : string.Empty;
        var allocated = m.AllocatedKbPerOp is { } a ? $"  alloc {a:F2} KB/op  GCs {m.Collections}" : string.Empty;
        Console.WriteLine($"  r{m.Round} {m.Scenario,-12} {m.Target,-7} c={m.Connections,-5} {m.Rate,10:F0}/s  {latency}  {cpu}{memory}{allocated}{errors}");
    }

    /// <summary>Starts this tool again under <c>taskset -c 1</c>, so the load generator (and the echo backend it starts) stay off the proxies' core.</summary>
    private static async Task<int> RestartPinnedAsync(LoadTestOptions options)
    {
        var (fileName, prefix) = ChildProcess.SelfCommand();
        var start = new ProcessStartInfo("taskset") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("1");
        start.ArgumentList.Add(fileName);
        foreach (var arg in prefix)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("run");
        foreach (var arg in options.RawArguments)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[PinnedVariable] = "1";
        foreach (var (name, value) in options.LoadEnvironment)
        {
            start.Environment[name] = value; // read once by the runtime at start: this restart is where the load side gets them
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start taskset.");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
