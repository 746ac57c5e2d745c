using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Tests.Messages;

public sealed class TransformerConfigurationBindingTests
{
    [Fact]
    public void AppSettingsShape_BindsListsSettingsTimeoutAndSubprotocolMap()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:s:Path"] = "/ws/sensor/{**rest}",
            ["WebSocketProxy:Routes:s:Cluster"] = "echo",
            ["WebSocketProxy:Routes:s:Transformers:0"] = "sensor-frames",
            ["WebSocketProxy:Routes:s:ClientToBackendTransformers:0"] = "MessageAudit",
            ["WebSocketProxy:Routes:s:BackendToClientTransformers:0"] = "JsonRedaction",
            ["WebSocketProxy:Routes:s:TransformerTimeout"] = "00:00:00.250",
            ["WebSocketProxy:Routes:s:TransformerSettings:sensor-frames:Type"] = "BinaryJson",
            ["WebSocketProxy:Routes:s:TransformerSettings:sensor-frames:Layout"] = "version:u8=1, sensor:u16",
            ["WebSocketProxy:Routes:s:TransformerSettings:JsonRedaction:Paths"] = "$..password",
            ["WebSocketProxy:Routes:s:SubprotocolMap:sensor.binary.v1"] = "sensor.json.v1",
        }).Build();
        var services = new ServiceCollection();
        services.AddWebSocketProxy(configuration.GetSection("WebSocketProxy"));
        using var provider = services.BuildServiceProvider();

        var route = provider.GetRequiredService<IOptions<WebSocketProxyOptions>>().Value.Routes["s"];

        route.Transformers.Should().Equal("sensor-frames");
        route.ClientToBackendTransformers.Should().Equal("MessageAudit");
        route.BackendToClientTransformers.Should().Equal("JsonRedaction");
        route.TransformerTimeout.Should().Be(TimeSpan.FromMilliseconds(250));
        route.TransformerSettings!["sensor-frames"]["Layout"].Should().Be("version:u8=1, sensor:u16");
        route.TransformerSettings["sensor-frames"]["Type"].Should().Be("BinaryJson");
        route.TransformerSettings["JsonRedaction"]["Paths"].Should().Be("$..password");
        route.SubprotocolMap!["sensor.binary.v1"].Should().Be("sensor.json.v1");
    }
}
