using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Gateway;

/// <summary>
/// The runtime settings the image ships with, read from the published gateway's runtimeconfig.json (what the runtime
/// reads at start): idle thread-pool workers do not spin, and nothing else of the thread pool is changed.
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
}
