using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The sample gateway in its own process (its own appsettings.json), on a free loopback port, with extra command-line settings.</summary>
internal sealed partial class SampleGateway : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private SampleGateway(Process process, Uri baseUri, StringBuilder output)
    {
        _process = process;
        BaseUri = baseUri;
        _output = output;
    }

    public Uri BaseUri { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public Uri Ws(string path) => new($"ws://{BaseUri.Authority}{path}");

    public Uri Http(string path) => new(BaseUri, path);

    public static async Task<SampleGateway> StartAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var sampleDir = Path.Combine(RepositoryPaths.Root, "samples", "WebSocketProxy.Sample");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(sampleDir, "bin", configuration, "net10.0", "WebSocketProxy.Sample.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The sample is built with the tests; {dll} is missing.");
        }

        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = sampleDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        info.ArgumentList.Add("--Sample:EchoBackendUrl=http://127.0.0.1:0");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"); // no exporter to reach from a test
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The sample exited:\n" + output));
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (Listening().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new SampleGateway(process, await listening.Task.WaitAsync(cancellationToken), output);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(cts.Token);
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
