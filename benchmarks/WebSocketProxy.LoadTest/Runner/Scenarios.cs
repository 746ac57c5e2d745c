using System.Diagnostics;
using System.Net.WebSockets;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>The load patterns. Every loop is bounded by time and every await by a deadline; the generator stops by itself.</summary>
internal sealed partial class Scenarios : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(15);
    private static readonly byte[] EndMarker = [0];
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(10) });
    private readonly int? _echoPid;

    /// <param name="echoPid">The echo backend's process: its CPU and this process's make the load side's CPU per operation.</param>
    public Scenarios(int? echoPid = null)
    {
        _echoPid = echoPid;
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>Each connection sends a message and waits for its echo, back to back (or paced to a total rate).</summary>
    public async Task<Measurement> PingPongAsync(Target target, string scenario, int round, int connections, int size, double seconds, int pacedRate = 0)
    {
        var sockets = await ConnectManyAsync(target, connections, Math.Min(connections, 64));
        try
        {
            var payload = Payload(size);
            var latencies = new List<long>[connections];
            var runtime0 = await RuntimeSnapshot.ReadAsync(_invoker, target);
            var cpu0 = Cpu(target);
            var load0 = LoadCpu();
            var t0 = Stopwatch.GetTimestamp();
            var end = t0 + (long)(seconds * Stopwatch.Frequency);
            var period = pacedRate > 0 ? (long)((double)connections / pacedRate * Stopwatch.Frequency) : 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds) + Grace);
            var loops = new Task[connections];
            for (var i = 0; i < connections; i++)
            {
                latencies[i] = new List<long>(4096);
                var offset = period > 0 ? period * i / connections : 0;
                loops[i] = PingPongLoopAsync(sockets[i], payload, t0 + offset, end, period, latencies[i], deadline.Token);
            }

            return await LatencyMeasurementAsync(scenario, target, round, connections, loops, latencies, t0, cpu0, load0, runtime0);
        }
        finally
        {
            await CloseManyAsync(sockets);
        }
    }

    /// <summary>Each connection sends as fast as the path takes it while reading the echoes; counts echoed messages.</summary>
    public async Task<Measurement> StreamAsync(Target target, string scenario, int round, int connections, int size, double seconds)
    {
        var sockets = await ConnectManyAsync(target, connections, connections);
        try
        {
            var payload = Payload(size);
            var inWindow = new long[connections];
            var total = new long[connections];
            var runtime0 = await RuntimeSnapshot.ReadAsync(_invoker, target);
            var cpu0 = Cpu(target);
            var load0 = LoadCpu();
            var t0 = Stopwatch.GetTimestamp();
            var end = t0 + (long)(seconds * Stopwatch.Frequency);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds) + Grace);
            var loops = new Task[connections];
            for (var i = 0; i < connections; i++)
            {
                loops[i] = StreamLoopAsync(sockets[i], payload, end, inWindow, total, i, deadline.Token);
            }

            return await ThroughputMeasurementAsync(scenario, target, round, connections, seconds, loops, inWindow, total, cpu0, load0, runtime0);
        }
        finally
        {
            await CloseManyAsync(sockets);
        }
    }

    /// <summary>Connect, one 64 B round trip, close handshake, dispose — in parallel loops. Counts whole cycles.</summary>
    public async Task<Measurement> ConnectAsync(Target target, string scenario, int round, int concurrency, double seconds)
    {
        var payload = Payload(64);
        var latencies = new List<long>[concurrency];
        var runtime0 = await RuntimeSnapshot.ReadAsync(_invoker, target);
        var cpu0 = Cpu(target);
        var load0 = LoadCpu();
        var t0 = Stopwatch.GetTimestamp();
        var end = t0 + (long)(seconds * Stopwatch.Frequency);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds) + Grace);
        var loops = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            latencies[i] = new List<long>(1024);
            loops[i] = ConnectLoopAsync(target, payload, end, latencies[i], deadline.Token);
        }

        return await LatencyMeasurementAsync(scenario, target, round, concurrency, loops, latencies, t0, cpu0, load0, runtime0);
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections, one round trip each, then measures how much the proxy's working set grew
    /// per connection; the proxy CPU spent while opening them, per connection, is the set-up CPU (connect, one round trip).
    /// </summary>
    public async Task<Measurement> IdleAsync(Target target, int round, int count, double holdSeconds)
    {
        var before = target.ProxyPid is { } p ? ProcStats.WorkingSetKb(p) : 0;
        var runtime0 = await RuntimeSnapshot.ReadAsync(_invoker, target);
        var cpu0 = Cpu(target);
        var t0 = Stopwatch.GetTimestamp();
        var sockets = await ConnectManyAsync(target, count, 64, roundTrip: true);
        var opened = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var cpu1 = Cpu(target);
        var runtime1 = await RuntimeSnapshot.ReadAsync(_invoker, target);
        try
        {
            // Let the connections settle (buffers returned after the round trip, lazy allocations done).
            await Task.Delay(TimeSpan.FromSeconds(2));
            var after = target.ProxyPid is { } pid ? ProcStats.WorkingSetKb(pid) : 0;
            if (holdSeconds > 0)
            {
                Console.WriteLine($"  holding {count} idle connections to {target.DisplayName} (pid {target.ProxyPid}) for {holdSeconds} s");
                await Task.Delay(TimeSpan.FromSeconds(holdSeconds));
            }
            return new Measurement
            {
                Scenario = "idle",
                Target = target.Name,
                Round = round,
                Connections = count,
                Operations = count,
                Seconds = opened,
                KbPerConnection = target.ProxyPid is null ? null : (after - before) / (double)count,
                ProxyCpuUsPerOp = PerOp(cpu0, cpu1, count),
                AllocatedKbPerOp = RuntimeSnapshot.KbPerOp(runtime0, runtime1, count),
                Collections = RuntimeSnapshot.Collections(runtime0, runtime1),
                ProxyPeakWorkingSetKb = Peak(target),
            };
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }

            // Give the proxy time to tear the sessions down before the next measurement.
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
    }
}
