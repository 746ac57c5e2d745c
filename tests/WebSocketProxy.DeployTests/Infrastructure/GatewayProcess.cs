using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>
/// The published gateway started the way the image starts it: <c>dotnet WebSocketProxy.Gateway.dll</c> in the publish
/// folder (WORKDIR /app), with an environment that holds only what the base image and deploy/Dockerfile set, plus the
/// test's own variables (routes, <c>ASPNETCORE_URLS</c> on 127.0.0.1 port 0). Listening URLs are read from its log.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    /// <summary>The PATH of the base image.</summary>
    public const string ImagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Uri> _urls = [];

    private GatewayProcess(Process process, string home)
    {
        _process = process;
        Home = home;
    }

    public int Pid => _process.Id;

    /// <summary>The HOME folder the process got (empty and fresh).</summary>
    public string Home { get; }

    /// <summary>Every URL Kestrel said it listens on.</summary>
    public IReadOnlyList<Uri> Urls
    {
        get
        {
            lock (_urls)
            {
                return [.. _urls];
            }
        }
    }

    public Uri HttpUrl => Urls.First(u => u.Scheme == "http");

    public string Log => string.Join(Environment.NewLine, _log);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The environment the image gives the entry command: base image variables, then the Dockerfile's ENV.</summary>
    public static Dictionary<string, string> ImageEnvironment(string home)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = ImagePath,
            ["HOME"] = home,
            ["APP_UID"] = "1654",
            ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
        };
        foreach (var (name, value) in Dockerfile.Load(RepositoryPaths.Dockerfile).FinalEnvironment())
        {
            environment[name] = value;
        }

        return environment;
    }

    public static async Task<GatewayProcess> StartAsync(string publishFolder, IReadOnlyDictionary<string, string> variables, CancellationToken cancellationToken)
    {
        var home = Directory.CreateTempSubdirectory("websocketproxy-gateway-home-").FullName;
        var info = new ProcessStartInfo(GatewayPublish.Dotnet)
        {
            WorkingDirectory = publishFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("WebSocketProxy.Gateway.dll");
        info.Environment.Clear();
        foreach (var (name, value) in ImageEnvironment(home))
        {
            info.Environment[name] = value;
        }

        foreach (var (name, value) in variables)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var gateway = new GatewayProcess(process, home);
        process.OutputDataReceived += (_, e) => gateway.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.OnLine(e.Data);
        process.Exited += (_, _) => gateway._started.TrySetException(new InvalidOperationException("The gateway exited during startup."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await gateway._started.Task.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            await gateway.DisposeAsync();
            throw new InvalidOperationException("The gateway did not start:" + Environment.NewLine + gateway.Log, ex);
        }

        return gateway;
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> (STOPSIGNAL) and the kubelet do.</summary>
    public void Terminate() => NativeMethods.Signal(_process.Id, NativeMethods.SigTerm);

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        var listening = ListeningRegex().Match(line);
        if (listening.Success)
        {
            lock (_urls)
            {
                _urls.Add(new Uri(listening.Groups[1].Value));
            }
        }
        else if (line.Contains("Application started.", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    [GeneratedRegex("Now listening on: (https?://[^\\s\"]+)")]
    private static partial Regex ListeningRegex();
}
