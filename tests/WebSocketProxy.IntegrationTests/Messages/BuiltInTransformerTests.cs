using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.IntegrationTests.Messages;

/// <summary>Each built-in transformer through real Kestrel sockets, as a route configures it.</summary>
public sealed class BuiltInTransformerTests
{
    private const string SensorLayout = "version:u8=1, sensor:u16be, value:f64be, ts:i64be";

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Settings(string name, params (string Key, string Value)[] values)
        => new Dictionary<string, IReadOnlyDictionary<string, string>> { [name] = values.ToDictionary(v => v.Key, v => v.Value) };

    internal static byte[] SensorFrame(byte version, ushort sensor, double value, long ts)
    {
        var frame = new byte[19];
        frame[0] = version;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), sensor);
        BinaryPrimitives.WriteDoubleBigEndian(frame.AsSpan(3), value);
        BinaryPrimitives.WriteInt64BigEndian(frame.AsSpan(11), ts);
        return frame;
    }

    private static async Task<(TestBackend Backend, RecordingBackend Recorder, TestGateway Gateway)> StartAsync(Func<RouteConfig, RouteConfig> route, Action<IServiceCollection>? services = null)
    {
        var recorder = new RecordingBackend();
        var backend = await TestBackend.StartAsync(recorder.Handler);
        var gateway = await TestGateway.StartAsync(backend.WsUri(), route: route, services: services);
        return (backend, recorder, gateway);
    }

    [Fact]
    public async Task JsonEnvelope_BackendSeesTheEnvelope_ClientGetsTheData()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with { Transformers = [MessageTransformerNames.JsonEnvelope] });
        await using var _ = backend;
        await using var __ = gateway;
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("""{"say":"hi"}""", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"say":"hi"}""", "the echoed envelope is unwrapped on the way back");
        var envelope = JsonDocument.Parse(recorder.Messages.Single().Data).RootElement;
        envelope.GetProperty("data").GetRawText().Should().Be("""{"say":"hi"}""");
        var meta = envelope.GetProperty("meta");
        meta.GetProperty("route").GetString().Should().Be("r");
        meta.GetProperty("connectionId").GetString().Should().NotBeNullOrEmpty();
        meta.GetProperty("user").ValueKind.Should().Be(JsonValueKind.Null);
        meta.GetProperty("receivedAt").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task JsonRedaction_BackendNeverSeesTheSecret()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with
        {
            ClientToBackendTransformers = [MessageTransformerNames.JsonRedaction],
            TransformerSettings = Settings(MessageTransformerNames.JsonRedaction, ("Paths", "$.card.number, $..password")),
        });
        await using var _ = backend;
        await using var __ = gateway;
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("""{"card":{"number":"4111111111111111","exp":"12/30"},"auth":[{"password":"hunter2"}]}""", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"card":{"number":"***","exp":"12/30"},"auth":[{"password":"***"}]}""");
        recorder.Messages.Single().Text.Should().NotContain("4111").And.NotContain("hunter2");
    }

    [Fact]
    public async Task TextBinary_BackendGetsBinary_ClientGetsText()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with
        {
            Transformers = [MessageTransformerNames.TextBinary],
            TransformerSettings = Settings(MessageTransformerNames.TextBinary, ("ToBackend", "Binary"), ("ToClient", "Text")),
        });
        await using var _ = backend;
        await using var __ = gateway;
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("grüße", ct);

        var back = await client.ReceiveMessageAsync(ct);
        back.Type.Should().Be(WebSocketMessageType.Text);
        back.Text.Should().Be("grüße");
        recorder.Messages.Single().Type.Should().Be(WebSocketMessageType.Binary);
        recorder.Messages.Single().Data.Should().Equal(Encoding.UTF8.GetBytes("grüße"));
    }

    [Fact]
    public async Task BinaryJson_DeviceFrameRoundTrip_BackendSawJson_MalformedNoticeThen1007()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with
        {
            Transformers = ["frames"],
            TransformerSettings = Settings("frames", ("Type", MessageTransformerNames.BinaryJson), ("Layout", SensorLayout), ("OnMalformed", "DropWithNotice")),
        });
        await using var _ = backend;
        await using var __ = gateway;
        using var device = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        var frame = SensorFrame(1, 42, 23.75, 1_718_000_000_000);

        await device.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
        var back = await device.ReceiveMessageAsync(ct);
        await device.SendAsync(frame[..5], WebSocketMessageType.Binary, true, ct);
        var notice = await device.ReceiveMessageAsync(ct);

        back.Type.Should().Be(WebSocketMessageType.Binary);
        back.Data.Should().Equal(frame);
        var seen = recorder.Messages.Single();
        seen.Type.Should().Be(WebSocketMessageType.Text);
        seen.Text.Should().Be("""{"version":1,"sensor":42,"value":23.75,"ts":1718000000000}""");
        notice.Text.Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""");
    }

    [Fact]
    public async Task BinaryJson_WrongVersion_Closes1007WhenConfigured()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with
        {
            ClientToBackendTransformers = [MessageTransformerNames.BinaryJson],
            TransformerSettings = Settings(MessageTransformerNames.BinaryJson, ("Layout", SensorLayout), ("OnMalformed", "Close")),
        });
        await using var _ = backend;
        await using var __ = gateway;
        using var device = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await device.SendAsync(SensorFrame(9, 1, 1, 1), WebSocketMessageType.Binary, true, ct);

        (await device.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        recorder.Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task SubprotocolTranslation_BackendOfferedItsName_ClientAnsweredItsOwn_PairRunsOnlyForIt()
    {
        var ct = Ws.Timeout();
        var (backend, recorder, gateway) = await StartAsync(r => r with
        {
            SubprotocolMap = new Dictionary<string, string> { ["sensor.binary.v1"] = "sensor.json.v1" },
            Transformers = ["frames"],
            TransformerSettings = Settings("frames", ("Type", MessageTransformerNames.BinaryJson), ("Layout", SensorLayout), ("Subprotocol", "sensor.binary.v1")),
        });
        await using var _ = backend;
        await using var __ = gateway;
        var frame = SensorFrame(1, 3, 0.5, 7);

        using var device = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.AddSubProtocol("sensor.binary.v1"));
        device.SubProtocol.Should().Be("sensor.binary.v1");
        backend.Handshakes.Last().RequestedProtocols.Should().Equal("sensor.json.v1");
        await device.SendAsync(frame, WebSocketMessageType.Binary, true, ct);
        (await device.ReceiveMessageAsync(ct)).Data.Should().Equal(frame);
        recorder.Messages.Single().Text.Should().Be("""{"version":1,"sensor":3,"value":0.5,"ts":7}""");

        using var jsonClient = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o => o.AddSubProtocol("sensor.json.v1"));
        jsonClient.SubProtocol.Should().Be("sensor.json.v1");
        await jsonClient.SendTextAsync("""{"already":"json"}""", ct);
        (await jsonClient.ReceiveMessageAsync(ct)).Text.Should().Be("""{"already":"json"}""", "the translation pair runs only for sensor.binary.v1 sessions");
    }

    [Fact]
    public async Task MessageAudit_FileSink_WritesJsonLinesOfSampledRedactedCopies()
    {
        var ct = Ws.Timeout();
        var folder = Path.Combine(Path.GetTempPath(), "wsp-audit-it-" + Guid.NewGuid().ToString("N"));
        var file = Path.Combine(folder, "audit.jsonl");
        try
        {
            var (backend, _, gateway) = await StartAsync(
                r => r with
                {
                    Transformers = [MessageTransformerNames.MessageAudit],
                    TransformerSettings = Settings(MessageTransformerNames.MessageAudit, ("RedactPaths", "$.password"), ("MaxPayloadBytes", "64")),
                },
                s => s.AddWebSocketProxy().AddMessageAuditFile(file));
            await using (backend)
            {
                await using (gateway)
                {
                    using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
                    await client.SendTextAsync("""{"user":"u","password":"secret"}""", ct);
                    (await client.ReceiveMessageAsync(ct)).Text.Should().Contain("secret");
                }
            }

            // Stopping the gateway flushed the queue and closed the file.
            var lines = await File.ReadAllLinesAsync(file, ct);
            lines.Should().HaveCount(2);
            var records = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            records.Select(r => r.GetProperty("direction").GetString()).Should().Equal("client_to_backend", "backend_to_client");
            records.Should().OnlyContain(r => r.GetProperty("payload").GetString() == """{"user":"u","password":"***"}""" && r.GetProperty("route").GetString() == "r");
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
