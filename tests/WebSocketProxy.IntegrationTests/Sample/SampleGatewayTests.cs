using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Sample;

/// <summary>Runs the sample gateway as a newcomer would (its own process, its own appsettings.json) and talks to it.</summary>
public sealed partial class SampleGatewayTests
{
    [Fact]
    public async Task Sample_EchoRouteAndCommandLineRoute_AreServed()
    {
        var ct = Ws.Timeout(60);
        await using var extra = await TestBackend.StartEchoAsync();
        await using var sample = await SampleProcess.StartAsync(
            ct,
            "--Sample:EchoBackendUrl=http://127.0.0.1:0",
            "--WebSocketProxy:Routes:r2:Path=/x/{**rest}",
            "--WebSocketProxy:Routes:r2:Cluster=c2",
            $"--WebSocketProxy:Clusters:c2:Backends:b:Address=ws://127.0.0.1:{extra.Port}");

        try
        {
            await ExerciseAsync(sample, extra, ct);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("The sample failed; its output:\n" + sample.Output, ex);
        }
    }

    private static async Task ExerciseAsync(SampleProcess sample, TestBackend extra, CancellationToken ct)
    {
        using var http = new HttpClient();
        var page = await http.GetStringAsync(new Uri(sample.BaseUri, "/"), ct);
        page.Should().Contain("/ws/echo", "the page at / lets a person try the echo");

        using var echo = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo"), ct);
        await echo.SendTextAsync("hello sample", ct);
        (await echo.ReceiveMessageAsync(ct)).Text.Should().Be("hello sample");

        using var added = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/x/room/7?q=1"), ct);
        await added.SendTextAsync("to the command-line route", ct);
        (await added.ReceiveMessageAsync(ct)).Text.Should().Be("to the command-line route");
        extra.Handshakes.Single().Path.Should().Be("/room/7");
        extra.Handshakes.Single().Query.Should().Be("?q=1");
    }

    private sealed partial class SampleProcess : IAsyncDisposable
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

        public static async Task<SampleProcess> StartAsync(CancellationToken cancellationToken, params string[] arguments)
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
                WorkingDirectory = sampleDir,
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
}
