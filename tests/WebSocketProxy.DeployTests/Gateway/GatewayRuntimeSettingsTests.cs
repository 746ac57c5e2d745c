using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Gateway;

/// <summary>
/// The runtime settings the image ships with: idle thread-pool workers do not spin (the published gateway's
/// runtimeconfig.json, what the runtime reads at start; nothing else of the thread pool is changed), and socket
/// completions run inline on the socket engine's event threads (the image's ENV, seen by the running gateway).
/// </summary>
public sealed class GatewayRuntimeSettingsTests
{
    private readonly GatewayPublish _publish;

    public GatewayRuntimeSettingsTests(GatewayPublish publish)
    {
        _publish = publish;
    }

    [Fact]
    public async Task PublishedGateway_ThreadPoolWorkersDoNotSpin()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(9));
        var publish = await _publish.GetAsync(timeout.Token);

        using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(publish, "WebSocketProxy.Gateway.runtimeconfig.json"), timeout.Token));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().Should().Be(0);
        properties.EnumerateObject().Select(p => p.Name)
            .Where(n => n.StartsWith("System.Threading.ThreadPool.", StringComparison.Ordinal))
            .Should().BeEquivalentTo(["System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"], "the image changes nothing else of the thread pool");
    }

    [Fact]
    public async Task ImageEnvironment_GatewayRunsSocketCompletionsAndKestrelInline_OneEventThreadPerCore()
    {
        var ct = Bounded.Timeout(300);
        var publish = await _publish.GetAsync(ct);
        Dockerfile.Load(RepositoryPaths.Dockerfile).FinalEnvironment()["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"].Should().Be("1");

        await using var gateway = await GatewayProcess.StartAsync(publish, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" }, ct);

        // The runtime reads the variable once, when the socket engine starts: with it, one event thread per core
        // (without it, one per 30 cores), each named ".NET Sockets".
        var threads = Directory.GetDirectories($"/proc/{gateway.Pid}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'))
            .Count(name => name == ".NET Sockets");
        threads.Should().Be(Environment.ProcessorCount, gateway.Log);
        gateway.Log.Should().Contain("Socket completions and the Kestrel pipes run inline", "the gateway pairs Kestrel's inline scheduling with it");
    }
}
