using System.Diagnostics;
using System.Net.WebSockets;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>The load patterns. Every loop is bounded by time and every await by a deadline; the generator stops by itself.</summary>
internal sealed class Scenarios : IDisposable
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

            return await LatencyMeasurementAsync(scenario, target, round, connections, loops, latencies, t0, cpu0, load0);
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

            var errors = await CountFailuresAsync(loops);
            var cpu1 = Cpu(target);
            var load1 = LoadCpu();
            var counted = Sum(inWindow);
            return new Measurement
            {
                Scenario = scenario,
                Target = target.Name,
                Round = round,
                Connections = connections,
                Operations = counted,
                Seconds = seconds,
                ProxyCpuUsPerOp = PerOp(cpu0, cpu1, Sum(total)),
                LoadCpuUsPerOp = PerOp(load0, load1, Sum(total)),
                ProxyPeakWorkingSetKb = Peak(target),
                Errors = errors,
            };
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

        return await LatencyMeasurementAsync(scenario, target, round, concurrency, loops, latencies, t0, cpu0, load0);
    }

    /// <summary>
    /// Opens <paramref name="count"/> connections, one round trip each, then measures how much the proxy's working set grew
    /// per connection; the proxy CPU spent while opening them, per connection, is the set-up CPU (connect, one round trip).
    /// </summary>
    public async Task<Measurement> IdleAsync(Target target, int count, double holdSeconds)
    {
        var before = target.ProxyPid is { } p ? ProcStats.WorkingSetKb(p) : 0;
        var cpu0 = Cpu(target);
        var t0 = Stopwatch.GetTimestamp();
        var sockets = await ConnectManyAsync(target, count, 64, roundTrip: true);
        var opened = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var cpu1 = Cpu(target);
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
                Round = 1,
                Connections = count,
                Operations = count,
                Seconds = opened,
                KbPerConnection = target.ProxyPid is null ? null : (after - before) / (double)count,
                ProxyCpuUsPerOp = PerOp(cpu0, cpu1, count),
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

    private async Task<ClientWebSocket[]> ConnectManyAsync(Target target, int count, int concurrency, bool roundTrip = false)
    {
        var sockets = new ClientWebSocket[count];
        var next = -1;
        var payload = Payload(64);
        var buffer = new byte[1024];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60 + (count / 50)));
        var workers = new Task[Math.Max(1, Math.Min(concurrency, count))];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var receive = new byte[1024];
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    var socket = new ClientWebSocket();
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    await socket.ConnectAsync(target.Uri, _invoker, deadline.Token);
                    if (roundTrip)
                    {
                        await socket.SendAsync(payload, WebSocketMessageType.Binary, true, deadline.Token);
                        await ReceiveMessageAsync(socket, receive, deadline.Token);
                    }

                    sockets[i] = socket;
                }
            });
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch
        {
            foreach (var socket in sockets)
            {
                socket?.Dispose();
            }

            throw;
        }

        return sockets;
    }

    private static async Task CloseManyAsync(ClientWebSocket[] sockets)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var closes = new Task[sockets.Length];
        for (var i = 0; i < sockets.Length; i++)
        {
            closes[i] = CloseAsync(sockets[i], deadline.Token);
        }

        await Task.WhenAll(closes);
    }

    private static async Task CloseAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
        finally
        {
            socket.Dispose();
        }
    }

    private static async Task PingPongLoopAsync(ClientWebSocket socket, byte[] payload, long start, long end, long period, List<long> latencies, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(payload.Length, 1024)];
        var scheduled = start;
        while (true)
        {
            if (period > 0)
            {
                var wait = scheduled - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency), cancellationToken);
                }

                scheduled += period;
            }

            var sent = Stopwatch.GetTimestamp();
            if (sent >= end)
            {
                return;
            }

            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
            await ReceiveMessageAsync(socket, buffer, cancellationToken);
            latencies.Add(Stopwatch.GetTimestamp() - sent);
        }
    }

    private static async Task StreamLoopAsync(ClientWebSocket socket, byte[] payload, long end, long[] inWindow, long[] total, int index, CancellationToken cancellationToken)
    {
        long sent = 0;
        // At most ~256 KiB in flight per connection: a fast sender cannot starve its reader or bloat socket buffers.
        using var window = new SemaphoreSlim(Math.Max(4, 256 * 1024 / payload.Length));
        var sender = Task.Run(
            async () =>
            {
                while (Stopwatch.GetTimestamp() < end)
                {
                    await window.WaitAsync(cancellationToken);
                    await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
                    sent++;
                }

                // A one-byte message marks the end: its echo tells the reader that nothing more is in flight.
                await socket.SendAsync(EndMarker, WebSocketMessageType.Binary, true, cancellationToken);
            },
            cancellationToken);

        var buffer = new byte[64 * 1024];
        long received = 0;
        // Read until the end marker came back: every message sent in the window has then been echoed.
        while (await ReceiveMessageAsync(socket, buffer, cancellationToken) != EndMarker.Length)
        {
            window.Release();
            received++;
            if (Stopwatch.GetTimestamp() < end)
            {
                inWindow[index]++;
            }
        }

        await sender;
        if (received != sent)
        {
            throw new WebSocketException(WebSocketError.Faulted, $"Sent {sent} messages, {received} came back.");
        }

        total[index] = received;
    }

    private async Task ConnectLoopAsync(Target target, byte[] payload, long end, List<long> latencies, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= end)
            {
                return;
            }

            using var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(target.Uri, _invoker, cancellationToken);
            await socket.SendAsync(payload, WebSocketMessageType.Binary, true, cancellationToken);
            await ReceiveMessageAsync(socket, buffer, cancellationToken);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            latencies.Add(Stopwatch.GetTimestamp() - start);
        }
    }

    private static async Task<long> ReceiveMessageAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        ValueWebSocketReceiveResult result;
        long bytes = 0;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            bytes += result.Count;
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"Closed by the peer: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }
        }
        while (!result.EndOfMessage);
        return bytes;
    }

    /// <summary>Waits for the measuring loops and turns their latencies and the proxy's CPU into a <see cref="Measurement"/>.</summary>
    private async Task<Measurement> LatencyMeasurementAsync(string scenario, Target target, int round, int connections, Task[] loops, List<long>[] latencies, long t0, double? cpu0, double? load0)
    {
        var errors = await CountFailuresAsync(loops);
        var t1 = Stopwatch.GetTimestamp();
        var cpu1 = Cpu(target);
        var load1 = LoadCpu();
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
            ProxyPeakWorkingSetKb = Peak(target),
            Errors = errors,
        };
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
