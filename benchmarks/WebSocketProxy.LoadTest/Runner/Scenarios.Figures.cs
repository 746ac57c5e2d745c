using System.Diagnostics;
using System.Net.WebSockets;

namespace WebSocketProxy.LoadTest.Runner;

/// <content>Turning the loops into figures: latencies, CPU, percentiles.</content>
internal sealed partial class Scenarios
{
    /// <summary>Waits for the measuring loops and turns their latencies and the proxy's CPU into a <see cref="Measurement"/>.</summary>
    private async Task<Measurement> LatencyMeasurementAsync(string scenario, Target target, int round, int connections, Task[] loops, List<long>[] latencies, long t0, double? cpu0, double? load0, RuntimeSnapshot? runtime0)
    {
        var errors = await CountFailuresAsync(loops);
        var t1 = Stopwatch.GetTimestamp();
        var cpu1 = Cpu(target);
        var load1 = LoadCpu();
        var runtime1 = await RuntimeSnapshot.ReadAsync(_invoker, target);
        var all = Merge(latencies);
        return new Measurement
        {
            Scenario = scenario,
            Target = target.Name,
            Round = round,
            Connections = connections,
            Operations = all.Length,
            Seconds = Stopwatch.GetElapsedTime(t0, t1).TotalSeconds,
            P50Us = Percentile(all, 0.50),
            P99Us = Percentile(all, 0.99),
            ProxyCpuUsPerOp = PerOp(cpu0, cpu1, all.Length),
            LoadCpuUsPerOp = PerOp(load0, load1, all.Length),
            AllocatedKbPerOp = RuntimeSnapshot.KbPerOp(runtime0, runtime1, all.Length),
            Collections = RuntimeSnapshot.Collections(runtime0, runtime1),
            ProxyPeakWorkingSetKb = Peak(target),
            Errors = errors,
        };
    }

    /// <summary>Waits for the streaming loops and turns the echoed messages and the proxy's CPU into a <see cref="Measurement"/>.</summary>
    /// <remarks>Operations are the messages echoed within the window; CPU and allocations are divided by all of them.</remarks>
    private async Task<Measurement> ThroughputMeasurementAsync(string scenario, Target target, int round, int connections, double seconds, Task[] loops, long[] inWindow, long[] total, double? cpu0, double? load0, RuntimeSnapshot? runtime0)
    {
        var errors = await CountFailuresAsync(loops);
        var cpu1 = Cpu(target);
        var load1 = LoadCpu();
        var runtime1 = await RuntimeSnapshot.ReadAsync(_invoker, target);
        return new Measurement
        {
            Scenario = scenario,
            Target = target.Name,
            Round = round,
            Connections = connections,
            Operations = Sum(inWindow),
            Seconds = seconds,
            ProxyCpuUsPerOp = PerOp(cpu0, cpu1, Sum(total)),
            LoadCpuUsPerOp = PerOp(load0, load1, Sum(total)),
            AllocatedKbPerOp = RuntimeSnapshot.KbPerOp(runtime0, runtime1, Sum(total)),
            Collections = RuntimeSnapshot.Collections(runtime0, runtime1),
            ProxyPeakWorkingSetKb = Peak(target),
            Errors = errors,
        };
    }

    /// <summary>
    /// Reads echoes until the one-byte end marker comes back (every message sent in the window has then been echoed),
    /// freeing a place in the sender's window for each; checks that every message sent came back.
    /// </summary>
    private static async Task CountEchoesAsync(Func<ValueTask<long>> nextMessage, SemaphoreSlim window, Task<long> sender, long end, long[] inWindow, long[] total, int index)
    {
        long received = 0;
        while (await nextMessage() != EndMarker.Length)
        {
            window.Release();
            received++;
            if (Stopwatch.GetTimestamp() < end)
            {
                inWindow[index]++;
            }
        }

        var sent = await sender;
        if (received != sent)
        {
            throw new WebSocketException(WebSocketError.Faulted, $"Sent {sent} messages, {received} came back.");
        }

        total[index] = received;
    }

    private static async Task<long> CountFailuresAsync(Task[] loops)
    {
        long errors = 0;
        foreach (var loop in loops)
        {
            try
            {
                await loop;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or HttpRequestException)
            {
                errors++;
                Console.Error.WriteLine($"  loop failed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return errors;
    }

    private static byte[] Payload(int size)
    {
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        return payload;
    }

    private static double? Cpu(Target target) => target.ProxyPid is { } pid ? ProcStats.CpuSeconds(pid) : null;

    /// <summary>CPU seconds of the load side: this generator and the echo backend (they share the core the proxies are not on).</summary>
    private double? LoadCpu() => _echoPid is { } echo ? ProcStats.CpuSeconds(Environment.ProcessId) + ProcStats.CpuSeconds(echo) : null;

    private static long? Peak(Target target) => target.ProxyPid is { } pid ? ProcStats.PeakWorkingSetKb(pid) : null;

    private static double? PerOp(double? cpu0, double? cpu1, long operations)
        => cpu0 is { } a && cpu1 is { } b && operations > 0 ? (b - a) * 1e6 / operations : null;

    private static long[] Merge(List<long>[] lists)
    {
        var count = 0;
        foreach (var list in lists)
        {
            count += list.Count;
        }

        var all = new long[count];
        var at = 0;
        foreach (var list in lists)
        {
            list.CopyTo(all, at);
            at += list.Count;
        }

        Array.Sort(all);
        return all;
    }

    private static double? Percentile(long[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        var index = (int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1);
        return sorted[Math.Max(0, index)] * 1e6 / Stopwatch.Frequency;
    }

    private static long Sum(long[] values)
    {
        long sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        return sum;
    }
}
