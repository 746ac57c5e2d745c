using WebSocketProxy.Testing;
using System.Diagnostics;
using System.Text.RegularExpressions;
using FluentAssertions;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>The sample gateway running as its own process, as a newcomer starts it; its output is kept for failure messages.</summary>
public sealed partial class SampleProcess : IAsyncDisposable
{
    private readonly Process _process;

    private readonly System.Text.StringBuilder _output;

    private SampleProcess(Process process, Uri baseUri, System.Text.StringBuilder output)
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

    /// <summary>Starts the sample with its own project folder as working directory.</summary>
    public static Task<SampleProcess> StartAsync(CancellationToken cancellationToken, params string[] arguments)
        => StartInAsync(Path.Combine(RepositoryPaths.Root, "samples", "WebSocketProxy.Sample"), cancellationToken, arguments);

    /// <summary>Starts the built sample (<c>dotnet WebSocketProxy.Sample.dll --urls=http://127.0.0.1:0</c>) from <paramref name="workingDirectory"/> and waits until it listens.</summary>
    public static async Task<SampleProcess> StartInAsync(string workingDirectory, CancellationToken cancellationToken, params string[] arguments)
    {
        var root = RepositoryPaths.Root;
        var sampleDir = Path.Combine(root, "samples", "WebSocketProxy.Sample");
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dll = Path.Combine(sampleDir, "bin", configuration, "net10.0", "WebSocketProxy.Sample.dll");
        File.Exists(dll).Should().BeTrue($"the sample is built with the tests ({dll})");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
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

            var match = ListeningRegex().Match(e.Data);
            if (match.Success)
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
            return new SampleProcess(process, await listening.Task.WaitAsync(cancellationToken), output);
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
    private static partial Regex ListeningRegex();
}
