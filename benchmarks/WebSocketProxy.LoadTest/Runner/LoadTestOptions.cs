using System.Globalization;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>Settings of one load-test run, from the command line.</summary>
internal sealed class LoadTestOptions
{
    public double WarmupSeconds { get; private set; } = 12;

    public double Seconds { get; private set; } = 5;

    public int Rounds { get; private set; } = 2;

    public int PingPongConnections { get; private set; } = 32;

    public int StreamConnections { get; private set; } = 8;

    public int PacedRate { get; private set; } = 8000;

    public int IdleConnections { get; private set; } = 5000;

    public int IdleRounds { get; private set; } = 1;

    /// <summary>Gets how long the idle connections stay open after the measurement (time to take a heap dump of a proxy).</summary>
    public double IdleHoldSeconds { get; private set; }

    public int ConnectConcurrency { get; private set; } = 16;

    public int[] Sweep { get; private set; } = [1, 8, 32, 128];

    public double SweepSeconds { get; private set; } = 3;

    public string[] Targets { get; private set; } = ["direct", "yarp", "nginx", "wsp"];

    public string[] Scenarios { get; private set; } = ["pingpong-64", "pingpong-1k", "paced-64", "stream-1k", "stream-64k", "burst-1k", "burst-64k", "connect", "idle", "sweep"];

    public bool Pin { get; private set; } = true;

    public bool OperatorOptions { get; private set; }

    /// <summary>Gets extra environment variables for both proxy processes (e.g. DOTNET_PerfMapEnabled=1 for perf).</summary>
    public Dictionary<string, string> ProxyEnvironment { get; } = [];

    /// <summary>Gets extra environment variables for the <c>wsp</c> target only (e.g. to measure a runtime setting against the same build without it as <c>wsp-before</c>).</summary>
    public Dictionary<string, string> WspEnvironment { get; } = [];

    /// <summary>Gets extra environment variables for the <c>wsp-before</c> target only.</summary>
    public Dictionary<string, string> WspBeforeEnvironment { get; } = [];

    /// <summary>
    /// Gets environment variables for the load side only: this tool's own process (set when it restarts itself pinned) and
    /// the echo backend. The proxies never inherit them: a target gets a variable only from --proxy-env or its own option.
    /// </summary>
    public Dictionary<string, string> LoadEnvironment { get; } = [];

    public string? JsonPath { get; private set; } = "loadtest-results.json";

    public string? MarkdownPath { get; private set; } = "loadtest-results.md";

    public string? ChartPath { get; private set; } = "loadtest-chart.svg";

    /// <summary>Gets the assembly of another build of this tool whose WebSocketProxy runs as the extra target <c>wsp-before</c>.</summary>
    public string? WspBeforeAssembly { get; private set; }

    public IReadOnlyList<string> RawArguments { get; private set; } = [];

    public static string Usage => """
        WebSocketProxy.LoadTest run [options]      direct vs YARP vs nginx vs WebSocketProxy, alternating rounds
          --warmup <s>              JIT warm-up load per target before measuring (default 12)
          --seconds <s>             measured time per scenario and round (default 5)
          --rounds <n>              A/B/A/B rounds (default 2)
          --connections <n>         ping-pong and paced connections (default 32)
          --stream-connections <n>  streaming connections (default 8)
          --paced-rate <n>          total messages/s of the paced scenario (default 8000)
          --idle <n>                idle connections per target (default 5000; needs ulimit -n > 3 x n)
          --idle-rounds <n>         idle measurements per target, alternating (default 1; with --warmup 0 only
                                    the first is a fresh process)
          --idle-hold <s>           keep the idle connections open this long after measuring (default 0; for heap dumps)
          --connect-concurrency <n> parallel connect/close loops (default 16)
          --sweep <a,b,c>           connection counts of the chart (default 1,8,32,128)
          --sweep-seconds <s>       measured time per sweep point (default 3)
          --targets <a,b>           any of direct,yarp,nginx,wsp (default all; nginx is skipped
                                    when not installed: apt-get install nginx-light)
          --scenarios <a,b>         any of pingpong-64,pingpong-1k,paced-64,stream-1k,stream-64k,burst-1k,burst-64k,
                                    connect,idle,sweep (burst: 16 frames per client write, bulk echo; see README)
          --wsp-before <dll>        also measure WebSocketProxy from another build of this tool (e.g. main's
                                    WebSocketProxy.LoadTest.dll) as target 'wsp-before', side by side
          --operator-options        start the .NET proxies with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1
                                    and DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0
          --proxy-env NAME=VALUE    extra environment variable for the .NET proxies (repeatable)
          --wsp-env NAME=VALUE      extra environment variable for the 'wsp' target only (repeatable)
          --wsp-before-env NAME=VALUE   the same for the 'wsp-before' target
          --load-env NAME=VALUE     environment variable for the load side only: this tool (restarted pinned) and
                                    the echo backend, never the proxies (repeatable; needs pinning to reach the tool)
          --no-pin                  do not pin with taskset (default: proxies on core 0, load + echo on core 1)
          --json <file> --markdown <file> --chart <file>   outputs ('-' to skip)
        WebSocketProxy.LoadTest echo|proxy-yarp|proxy-wsp --port <p> [--backend-port <p>] [--max-seconds <s>]
        """;

    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadTestOptions { RawArguments = args };
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--warmup": options.WarmupSeconds = ParseDouble(Next()); break;
                case "--seconds": options.Seconds = ParseDouble(Next()); break;
                case "--rounds": options.Rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--connections": options.PingPongConnections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--stream-connections": options.StreamConnections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--paced-rate": options.PacedRate = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle": options.IdleConnections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--idle-rounds": options.IdleRounds = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--idle-hold": options.IdleHoldSeconds = Math.Clamp(ParseDouble(Next()), 0, 600); break;
                case "--connect-concurrency": options.ConnectConcurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--sweep": options.Sweep = Array.ConvertAll(Next().Split(','), s => int.Parse(s, CultureInfo.InvariantCulture)); break;
                case "--sweep-seconds": options.SweepSeconds = ParseDouble(Next()); break;
                case "--targets": options.Targets = Next().Split(','); break;
                case "--scenarios": options.Scenarios = Next().Split(','); break;
                case "--operator-options": options.OperatorOptions = true; break;
                case "--wsp-before": options.WspBeforeAssembly = Path.GetFullPath(Next()); break;
                case "--no-pin": options.Pin = false; break;
                case "--proxy-env": AddVariable(options.ProxyEnvironment, name, Next()); break;
                case "--wsp-env": AddVariable(options.WspEnvironment, name, Next()); break;
                case "--wsp-before-env": AddVariable(options.WspBeforeEnvironment, name, Next()); break;
                case "--load-env": AddVariable(options.LoadEnvironment, name, Next()); break;
                case "--json": options.JsonPath = NullIfDash(Next()); break;
                case "--markdown": options.MarkdownPath = NullIfDash(Next()); break;
                case "--chart": options.ChartPath = NullIfDash(Next()); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (options.Rounds < 1 || options.Seconds <= 0 || options.Seconds > 120 || options.WarmupSeconds < 0 || options.WarmupSeconds > 120)
        {
            throw new ArgumentException("--rounds must be ≥ 1, --seconds in (0, 120], --warmup in [0, 120].");
        }

        foreach (var target in options.Targets)
        {
            if (target is not ("direct" or "yarp" or "nginx" or "wsp" or "wsp-before"))
            {
                throw new ArgumentException($"Unknown target '{target}'.");
            }
        }

        if (options.WspBeforeAssembly is not null && Array.IndexOf(options.Targets, "wsp-before") < 0)
        {
            options.Targets = [.. options.Targets, "wsp-before"];
        }

        if (Array.IndexOf(options.Targets, "wsp-before") >= 0 && !File.Exists(options.WspBeforeAssembly))
        {
            throw new ArgumentException("Target 'wsp-before' needs --wsp-before <an existing WebSocketProxy.LoadTest.dll>.");
        }

        return options;
    }

    public bool Runs(string scenario) => Array.IndexOf(Scenarios, scenario) >= 0;

    private static double ParseDouble(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    private static string? NullIfDash(string value) => value == "-" ? null : value;

    private static void AddVariable(Dictionary<string, string> variables, string option, string pair)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ArgumentException($"{option} takes NAME=VALUE.");
        }

        variables[pair[..eq]] = pair[(eq + 1)..];
    }
}
