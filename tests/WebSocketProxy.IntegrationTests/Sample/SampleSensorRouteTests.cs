using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.IntegrationTests.Messages;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Sample;

/// <summary>The sample's IoT route, run as a newcomer would: a device on <c>/ws/sensor/…</c> gets its own binary frame back through the echo backend.</summary>
public sealed class SampleSensorRouteTests
{
    [Fact]
    public async Task Sample_SensorRoute_DeviceGetsItsOwnBinaryFrameBack()
    {
        var ct = Ws.Timeout(60);
        await using var sample = await SampleProcess.StartAsync(ct, "--Sample:EchoBackendUrl=http://127.0.0.1:0");
        try
        {
            using var device = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/sensor/device-7"), ct);
            var frame = BuiltInTransformerTests.SensorFrame(1, 7, 21.5, 1_718_000_000_000);

            await device.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
            var back = await device.ReceiveMessageAsync(ct);
            await device.SendAsync(frame[..4], WebSocketMessageType.Binary, true, ct);
            var notice = await device.ReceiveMessageAsync(ct);

            // The echo backend echoes what it got: had it got the binary frame, the way back (JSON → frame) would have refused it.
            back.Type.Should().Be(WebSocketMessageType.Binary);
            back.Data.Should().Equal(frame);
            notice.Text.Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("The sample failed; its output:\n" + sample.Output, ex);
        }
    }
}
