using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>
/// A Node process from tests/realtime-node hosting several servers on 127.0.0.1:0. It prints
/// <c>{"ports":[...]}</c> first; every later stdout line is an event kept for failure messages.
/// Closing its standard input stops it.
/// </summary>
internal sealed class NodeServers : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _events = new();
    private readonly Task _stdout;
    private readonly Task _stderr;

    private NodeServers(Process process, IReadOnlyList<int> ports)
    {
        _process = process;
        Ports = ports;
        _stdout = PumpAsync(process.StandardOutput, string.Empty);
        _stderr = PumpAsync(process.StandardError, "stderr: ");
    }

    public IReadOnlyList<int> Ports { get; }

    /// <summary>What the servers reported so far (one JSON object a line, stderr lines prefixed).</summary>
    public string Events => string.Join('\n', _events);

    public static async Task<NodeServers> StartAsync(string script, int count, CancellationToken cancellationToken)
    {
        var process = Process.Start(NodeRuntime.StartInfo(script, count.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            ?? throw new InvalidOperationException("node did not start");
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().Within(cancellationToken, $"{script} to print its ports");
                if (line is null)
                {
                    var error = await process.StandardError.ReadToEndAsync(cancellationToken);
                    throw new InvalidOperationException($"{script} exited before printing its ports: {error}");
                }

                using var json = JsonDocument.Parse(line);
                if (json.RootElement.TryGetProperty("ports", out var ports))
                {
                    var list = new List<int>();
                    foreach (var port in ports.EnumerateArray())
                    {
                        list.Add(port.GetInt32());
                    }

                    return new NodeServers(process, list);
                }
            }
        }
        catch
        {
            NodeRuntime.Kill(process);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            NodeRuntime.Kill(_process);
        }
        catch (IOException)
        {
            NodeRuntime.Kill(_process);
        }

        await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { }, TaskScheduler.Default);
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, string prefix)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                _events.Enqueue(prefix + line);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
