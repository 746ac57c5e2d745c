using FluentAssertions;

[assembly: AssemblyFixture(typeof(WebSocketProxy.DeployTests.Infrastructure.GatewayPublish))]

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>
/// The gateway published once per test run exactly the way deploy/Dockerfile's build stage does it: its
/// <c>RUN dotnet …</c> lines, run from the repository root (the build stage's WORKDIR /src holds a copy of it), with
/// the output folder /app/publish moved to a temporary folder. Published on first use only.
/// </summary>
public sealed class GatewayPublish : IAsyncDisposable
{
    private const string ImageOutput = "/app/publish";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "websocketproxy-deploy-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Lazy<Task<string>> _publish;

    public GatewayPublish()
    {
        _publish = new Lazy<Task<string>>(PublishAsync);
    }

    public static string Dotnet { get; } = ProcessRunner.FindOnPath("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH");

    /// <summary>The publish folder (the image's /app).</summary>
    public async Task<string> GetAsync(CancellationToken cancellationToken) => await _publish.Value.WaitAsync(cancellationToken);

    /// <summary>The <c>RUN dotnet …</c> commands of the build stage, as argument lists, with the image's output folder replaced.</summary>
    public static IReadOnlyList<string[]> BuildCommands(string output)
    {
        var dockerfile = Dockerfile.Load(RepositoryPaths.Dockerfile);
        return [.. dockerfile.InStage(0)
            .Where(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet ", StringComparison.Ordinal))
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(a => a == ImageOutput ? output : a).ToArray())];
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
        catch (IOException)
        {
            // A child process still holds a file; the temporary folder is cleaned by the system.
        }

        return ValueTask.CompletedTask;
    }

    private async Task<string> PublishAsync()
    {
        var output = Path.Combine(_root, "app");
        var commands = BuildCommands(output);
        commands.Should().HaveCount(2, "the build stage restores, then publishes");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        foreach (var arguments in commands)
        {
            var result = await ProcessRunner.RunAsync(Dotnet, arguments, RepositoryPaths.Root, timeout.Token);
            result.ExitCode.Should().Be(0, $"dotnet {string.Join(' ', arguments)} failed:{Environment.NewLine}{result.All}");
        }

        File.Exists(Path.Combine(output, "WebSocketProxy.Gateway.dll")).Should().BeTrue();
        return output;
    }
}
