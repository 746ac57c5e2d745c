using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Messages;

/// <summary>The sample's <c>sensor</c> route exactly as its appsettings.json declares it, in front of a backend that records what it sees.</summary>
public sealed class SensorSampleConfigurationTests
{
    [Fact]
    public async Task SampleSensorRoute_BackendSeesJson_DeviceGetsItsFrameBack()
    {
        var ct = Ws.Timeout();
        var sample = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryPaths.Root, "samples", "WebSocketProxy.Sample", "appsettings.json"), optional: false, reloadOnChange: false)
            .Build();
        var sensor = sample.GetSection("WebSocketProxy:Routes:sensor").Get<RouteConfig>()!;
        var recorder = new RecordingBackend();
        await using var backend = await TestBackend.StartAsync(recorder.Handler);
        await using var gateway = await TestGateway.StartAsync(o =>
        {
            o.Routes["sensor"] = sensor;
            o.Clusters["echo"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["main"] = new() { Address = backend.WsUri().ToString() } } };
        });
        using var device = await Ws.ConnectAsync(gateway.Ws("/ws/sensor/device-9"), ct);
        var frame = BuiltInTransformerTests.SensorFrame(1, 9, -12.125, 1_718_000_000_001);

        await device.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
        var back = await device.ReceiveMessageAsync(ct);

        sensor.Path.Should().Be("/ws/sensor/{**rest}");
        sensor.Cluster.Should().Be("echo");
        var seen = recorder.Messages.Single();
        seen.Type.Should().Be(WebSocketMessageType.Text);
        seen.Text.Should().Be("""{"version":1,"sensor":9,"value":-12.125,"ts":1718000000001}""");
        backend.Handshakes.Single().Path.Should().Be("/ws/device-9");
        back.Type.Should().Be(WebSocketMessageType.Binary);
        back.Data.Should().Equal(frame);
    }
}
