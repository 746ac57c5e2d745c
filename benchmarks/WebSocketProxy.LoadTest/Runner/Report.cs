using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>Summarises the rounds (median per scenario and target) and states each target's ratios to direct and to YARP.</summary>
internal sealed class Report
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
    private readonly LoadTestOptions _options;
    private readonly bool _pinned;
    private readonly IReadOnlyList<Target> _targets;
    private readonly IReadOnlyList<Measurement> _results;
    private readonly IReadOnlyList<Measurement> _sweep;

    public Report(LoadTestOptions options, bool pinned, IReadOnlyList<Target> targets, IReadOnlyList<Measurement> results, IReadOnlyList<Measurement> sweep)
    {
        _options = options;
        _pinned = pinned;
        _targets = targets;
        _results = results;
        _sweep = sweep;
    }

    public IReadOnlyList<SummaryRow> Summary()
    {
        var rows = new List<SummaryRow>();
        var scenarios = new List<string>();
        foreach (var m in _results)
        {
            if (!scenarios.Contains(m.Scenario))
            {
                scenarios.Add(m.Scenario);
            }
        }

        foreach (var scenario in scenarios)
        {
            var byTarget = new Dictionary<string, SummaryRow>();
            foreach (var target in _targets)
            {
                var runs = _results.Where(m => m.Scenario == scenario && m.Target == target.Name).ToList();
                if (runs.Count == 0)
                {
                    continue;
                }

                byTarget[target.Name] = new SummaryRow
                {
                    Scenario = scenario,
                    Target = target.Name,
                    Rounds = runs.Count,
                    Connections = runs[0].Connections,
                    Rate = Median(runs.Select(m => (double?)m.Rate)) ?? 0,
                    P50Us = Median(runs.Select(m => m.P50Us)),
                    P99Us = Median(runs.Select(m => m.P99Us)),
                    ProxyCpuUsPerOp = Median(runs.Select(m => m.ProxyCpuUsPerOp)),
                    LoadCpuUsPerOp = Median(runs.Select(m => m.LoadCpuUsPerOp)),
                    AllocatedKbPerOp = Median(runs.Select(m => m.AllocatedKbPerOp)),
                    ProxyPeakWorkingSetKb = runs.Max(m => m.ProxyPeakWorkingSetKb),
                    KbPerConnection = Median(runs.Select(m => m.KbPerConnection)),
                    Errors = runs.Sum(m => m.Errors),
                };
            }

            byTarget.TryGetValue("direct", out var direct);
            byTarget.TryGetValue("yarp", out var yarp);
            foreach (var row in byTarget.Values)
            {
                row.RateVsDirect = Ratio(row.Rate, direct?.Rate);
                row.RateVsYarp = Ratio(row.Rate, yarp?.Rate);
                row.P99VsYarp = Ratio(row.P99Us, yarp?.P99Us);
                row.CpuVsYarp = Ratio(row.ProxyCpuUsPerOp, yarp?.ProxyCpuUsPerOp);
                row.MemoryVsYarp = Ratio(row.KbPerConnection, yarp?.KbPerConnection);
                rows.Add(row);
            }
        }

        return rows;
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {LoadTestRunner.MachineCores} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}. "
            + $"Pinned: {(_pinned ? "proxy on core 0, load generator + echo on core 1" : "no")}. Operator options: {(_options.OperatorOptions ? "on" : "off")}. "
            + $"Warm-up {_options.WarmupSeconds} s per target, {_options.Seconds} s per measurement, {_options.Rounds} alternating rounds (median shown).");
        sb.AppendLine();
        sb.AppendLine("| scenario | target | conns | ops/s | p50 µs | p99 µs | proxy CPU µs/op | load CPU µs/op | proxy alloc KB/op | proxy peak WS MiB | KiB/idle conn | ops/s × direct | ops/s × YARP | p99 × YARP | CPU × YARP | mem × YARP | errors |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Summary())
        {
            var target = _targets.First(t => t.Name == r.Target).DisplayName;
            var isIdle = r.Scenario == "idle";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {target} | {r.Connections} | {(isIdle ? "-" : F(r.Rate, "F0"))} | {F(r.P50Us, "F0")} | {F(r.P99Us, "F0")} | {F(r.ProxyCpuUsPerOp, "F1")} | {F(r.LoadCpuUsPerOp, "F1")} | {F(r.AllocatedKbPerOp, "F2")} | {F(r.ProxyPeakWorkingSetKb / 1024.0, "F0")} | {F(r.KbPerConnection, "F1")} | "
                + $"{(isIdle ? "-" : F(r.RateVsDirect, "F2"))} | {(isIdle ? "-" : F(r.RateVsYarp, "F2"))} | {F(r.P99VsYarp, "F2")} | {F(r.CpuVsYarp, "F2")} | {F(r.MemoryVsYarp, "F2")} | {r.Errors} |");
        }

        if (_sweep.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Ping-pong 64 B by connection count (the chart):");
            sb.AppendLine();
            sb.AppendLine("| conns | target | round trips/s | p50 µs | p99 µs | proxy CPU µs/op |");
            sb.AppendLine("|---:|---|---:|---:|---:|---:|");
            foreach (var m in _sweep)
            {
                var target = _targets.First(t => t.Name == m.Target).DisplayName;
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {m.Connections} | {target} | {m.Rate:F0} | {F(m.P50Us, "F0")} | {F(m.P99Us, "F0")} | {F(m.ProxyCpuUsPerOp, "F1")} |");
            }
        }

        return sb.ToString();
    }

    public string Json() => JsonSerializer.Serialize(
        new
        {
            Machine = new { Cores = LoadTestRunner.MachineCores, Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, Runtime = Environment.Version.ToString() },
            Settings = new
            {
                _options.WarmupSeconds,
                _options.Seconds,
                _options.Rounds,
                _options.PingPongConnections,
                _options.StreamConnections,
                _options.PacedRate,
                _options.IdleConnections,
                _options.ConnectConcurrency,
                Pinned = _pinned,
                _options.OperatorOptions,
            },
            Summary = Summary(),
            Measurements = _results,
            Sweep = _sweep,
        },
        JsonOptions);

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static double? Ratio(double? value, double? reference) => value is { } v && reference is { } r && r > 0 ? v / r : null;

    private static double? Median(IEnumerable<double?> values)
    {
        var list = values.Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        if (list.Count == 0)
        {
            return null;
        }

        return list.Count % 2 == 1 ? list[list.Count / 2] : (list[(list.Count / 2) - 1] + list[list.Count / 2]) / 2;
    }
}

/// <summary>One scenario and target over all rounds.</summary>
internal sealed class SummaryRow
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public int Rounds { get; init; }

    public int Connections { get; init; }

    public double Rate { get; init; }

    public double? P50Us { get; init; }

    public double? P99Us { get; init; }

    public double? ProxyCpuUsPerOp { get; init; }

    public double? LoadCpuUsPerOp { get; init; }

    public long? ProxyPeakWorkingSetKb { get; init; }

    public double? KbPerConnection { get; init; }

    public double? AllocatedKbPerOp { get; init; }

    public long Errors { get; init; }

    public double? RateVsDirect { get; set; }

    public double? RateVsYarp { get; set; }

    public double? P99VsYarp { get; set; }

    public double? CpuVsYarp { get; set; }

    public double? MemoryVsYarp { get; set; }
}
