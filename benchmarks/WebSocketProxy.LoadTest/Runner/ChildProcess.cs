using System.Diagnostics;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>A server mode of this tool started as its own process (optionally pinned with taskset); stopped by closing its stdin, killed by id if it lingers.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>Gets or sets the variables a proxy process must not inherit from this tool (the load side's, <c>--load-env</c>).</summary>
    public static IReadOnlyList<string> Unset { get; set; } = [];

    public static Task<ChildProcess> StartAsync(string mode, int? backendPort, string? cpuList, IReadOnlyDictionary<string, string> environment)
        => StartAsync(SelfCommand(), mode, backendPort, cpuList, environment);

    /// <summary>Starts a server mode of this tool, or of another build of it (<paramref name="command"/>: file name and leading arguments).</summary>
    public static async Task<ChildProcess> StartAsync((string FileName, string[] Prefix) command, string mode, int? backendPort, string? cpuList, IReadOnlyDictionary<string, string> environment)
    {
        var (fileName, prefix) = command;
        var start = PinnedProcessStart.Create(fileName, cpuList, prefix);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--max-seconds");
        start.ArgumentList.Add("1800");
        if (backendPort is { } bp)
        {
            start.ArgumentList.Add("--backend-port");
            start.ArgumentList.Add(bp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (mode != "echo")
        {
            foreach (var key in Unset)
            {
                start.Environment.Remove(key); // the load side's variables: a proxy gets only what its options give it
            }
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {mode}.");
        process.ErrorDataReceived += static (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine(e.Data);
            }
        };
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"{mode} exited before listening.");
                if (line.StartsWith(Hosts.HostCommon.ListeningPrefix, StringComparison.Ordinal))
                {
                    var port = int.Parse(line[Hosts.HostCommon.ListeningPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
                    _ = DrainAsync(process.StandardOutput);
                    return new ChildProcess(process, port);
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>How to start this tool again: the apphost, or <c>dotnet exec</c> with the assembly.</summary>
    public static (string FileName, string[] Prefix) SelfCommand()
        => ToolCommand(typeof(ChildProcess).Assembly.Location);

    /// <summary>How to start a build of this tool from its assembly: the apphost next to it, or <c>dotnet exec</c>.</summary>
    public static (string FileName, string[] Prefix) ToolCommand(string assembly)
    {
        if (assembly != typeof(ChildProcess).Assembly.Location)
        {
            var dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
            return (dotnet, ["exec", assembly]);
        }

        var host = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? (host, ["exec", assembly]) : (host, []);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static async Task DrainAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }
}
