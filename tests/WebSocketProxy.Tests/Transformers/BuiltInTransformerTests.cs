using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;
using WebSocketProxy.Tests.Messages;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.Tests.Transformers;

/// <summary>Each built-in transformer through a real session over in-memory sockets, configured the way a route configures it.</summary>
public sealed class BuiltInTransformerTests
{
    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Settings(string name, params (string Key, string Value)[] values)
        => new Dictionary<string, IReadOnlyDictionary<string, string>> { [name] = values.ToDictionary(v => v.Key, v => v.Value) };

    [Fact]
    public async Task JsonEnvelope_WrapsEveryKindOfClientMessage_UnwrapsReplies()
    {
        var ct = PipelineHarness.Timeout();
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "u-42")], "test"));
        await using var harness = PipelineHarness.Start(new RouteConfig { Transformers = [MessageTransformerNames.JsonEnvelope] }, timeProvider: time, user: user);

        await harness.Client.SendTextAsync("""{"q":1}""", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be(
            """{"data":{"q":1},"meta":{"user":"u-42","connectionId":"conn-1","route":"r","receivedAt":"2025-01-02T03:04:05+00:00"}}""");
        await harness.Client.SendTextAsync("plain \"text\"", ct);
        JsonDocument.Parse(await harness.Backend.ReceiveTextAsync(ct)).RootElement.GetProperty("data").GetString().Should().Be("plain \"text\"");
        await harness.Client.SendBinaryAsync([1, 2, 3], ct);
        var binary = await harness.Backend.ReceiveWholeAsync(ct);
        binary.Type.Should().Be(WebSocketMessageType.Text);
        JsonDocument.Parse(binary.Data).RootElement.GetProperty("data").GetBytesFromBase64().Should().Equal(1, 2, 3);

        await harness.Backend.SendTextAsync("""{"meta":{"x":1},"data":{"answer":[1,2]}}""", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"answer":[1,2]}""");
        await harness.Backend.SendTextAsync("""{"no":"envelope"}""", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"no":"envelope"}""", "a message without the data field passes unchanged");
        await harness.Backend.SendTextAsync("not json", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("not json");
    }

    [Fact]
    public async Task JsonEnvelope_FieldNamesConfigurable_AnonymousUserIsNull()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            Transformers = ["env"],
            TransformerSettings = Settings("env", ("Type", "JsonEnvelope"), ("DataField", "payload"), ("MetaField", "ctx"), ("UserField", "who"), ("ConnectionIdField", "sid"), ("RouteField", "via"), ("ReceivedAtField", "at")),
        });

        await harness.Client.SendTextAsync("1", ct);
        var wrapped = JsonDocument.Parse(await harness.Backend.ReceiveTextAsync(ct)).RootElement;
        wrapped.GetProperty("payload").GetInt32().Should().Be(1);
        var meta = wrapped.GetProperty("ctx");
        meta.GetProperty("who").ValueKind.Should().Be(JsonValueKind.Null);
        meta.GetProperty("sid").GetString().Should().Be("conn-1");
        meta.GetProperty("via").GetString().Should().Be("r");
        meta.GetProperty("at").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        await harness.Backend.SendTextAsync("""{"payload":"hi"}""", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("\"hi\"");
    }

    [Fact]
    public async Task JsonRedaction_EitherDirection_OnlyTheListedOne()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            ClientToBackendTransformers = ["in"],
            BackendToClientTransformers = ["out"],
            TransformerSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["in"] = new Dictionary<string, string> { ["Type"] = "JsonRedaction", ["Paths"] = "$..password" },
                ["out"] = new Dictionary<string, string> { ["Type"] = "JsonRedaction", ["Paths"] = "$.card.number, $.ssn", ["Mask"] = "[hidden]" },
            },
        });

        await harness.Client.SendTextAsync("""{"login":{"user":"a","password":"p"},"card":{"number":"4111"}}""", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("""{"login":{"user":"a","password":"***"},"card":{"number":"4111"}}""");
        await harness.Backend.SendTextAsync("""{"card":{"number":"4111","exp":"12/30"},"ssn":123,"password":"kept"}""", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"card":{"number":"[hidden]","exp":"12/30"},"ssn":"[hidden]","password":"kept"}""");
        await harness.Client.SendTextAsync("not json: password", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("not json: password");
        await harness.Client.SendBinaryAsync([9], ct);
        (await harness.Backend.ReceiveWholeAsync(ct)).Data.Should().Equal(9);
    }

    [Fact]
    public async Task TextBinary_EachSideGetsItsType_InvalidUtf8DroppedWithNotice()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            Transformers = ["types"],
            TransformerSettings = Settings("types", ("Type", "TextBinary"), ("ToBackend", "Binary"), ("ToClient", "Text"), ("OnInvalidUtf8", "DropWithNotice")),
        });

        await harness.Client.SendTextAsync("héllo", ct);
        var atBackend = await harness.Backend.ReceiveWholeAsync(ct);
        atBackend.Type.Should().Be(WebSocketMessageType.Binary);
        Encoding.UTF8.GetString(atBackend.Data).Should().Be("héllo");

        await harness.Backend.SendBinaryAsync(Encoding.UTF8.GetBytes("wörld"), ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("wörld");
        await harness.Backend.SendBinaryAsync([0xFF, 0xFE], ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("""{"type":"message.rejected","reason":"invalid_utf8"}""", "the notice goes to the sender, here the backend");
        await harness.Backend.SendBinaryAsync("ok"u8.ToArray(), ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("ok");
    }

    [Fact]
    public async Task TextBinary_InvalidUtf8_Closes1007ByDefault()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            ClientToBackendTransformers = ["t"],
            TransformerSettings = Settings("t", ("Type", "TextBinary"), ("ToBackend", "Text")),
        });

        await harness.Client.SendBinaryAsync([0xC3], ct);

        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        (await harness.Backend.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task BinaryJson_DeviceFramesBecomeJson_JsonBecomesFrames_MalformedDroppedWithNotice()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            Transformers = ["sensor"],
            TransformerSettings = Settings("sensor", ("Type", "BinaryJson"), ("Layout", "version:u8=1, sensor:u16be, value:f64be, ts:i64be"), ("OnMalformed", "DropWithNotice")),
        });
        var frame = FrameLayoutTests.SensorFrame(1, 7, -3.25, 1_700_000_000_000);

        await harness.Client.SendBinaryAsync(frame, ct);
        var json = await harness.Backend.ReceiveTextAsync(ct);
        json.Should().Be("""{"version":1,"sensor":7,"value":-3.25,"ts":1700000000000}""");
        await harness.Backend.SendTextAsync(json, ct);
        var back = await harness.Client.ReceiveWholeAsync(ct);
        back.Type.Should().Be(WebSocketMessageType.Binary);
        back.Data.Should().Equal(frame);

        await harness.Client.SendBinaryAsync(frame[..10], ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""");
        await harness.Client.SendBinaryAsync(FrameLayoutTests.SensorFrame(2, 7, 1, 1), ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""");
        await harness.Client.SendTextAsync("""{"version":1}""", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""", "the client side speaks binary");
        await harness.Backend.SendTextAsync("""{"version":1,"sensor":1}""", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("""{"type":"message.rejected","reason":"malformed_frame"}""");
    }

    [Fact]
    public async Task BinaryJson_Malformed_Closes1007WhenConfigured_BackendSide()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(new RouteConfig
        {
            Transformers = ["frames"],
            TransformerSettings = Settings("frames", ("Type", "BinaryJson"), ("Layout", "a:u16, b:i32"), ("ByteOrder", "LittleEndian"), ("BinarySide", "Backend"), ("OnMalformed", "Close")),
        });

        await harness.Client.SendTextAsync("""{"a":258,"b":-1}""", ct);
        (await harness.Backend.ReceiveWholeAsync(ct)).Data.Should().Equal(2, 1, 0xFF, 0xFF, 0xFF, 0xFF);
        await harness.Backend.SendBinaryAsync([2, 1, 0xFF, 0xFF, 0xFF, 0xFF], ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("""{"a":258,"b":-1}""");
        await harness.Client.SendTextAsync("""{"a":70000,"b":0}""", ct);

        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        (await harness.Backend.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task MessageAudit_RecordsTruncatedRedactedCopies_MessagesUnchanged()
    {
        var ct = PipelineHarness.Timeout();
        var sink = new CapturingAuditSink();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "ada")], "test"));
        await using var harness = PipelineHarness.Start(
            new RouteConfig
            {
                Transformers = ["MessageAudit"],
                TransformerSettings = Settings("MessageAudit", ("MaxPayloadBytes", "42"), ("RedactPaths", "$..password")),
            },
            b => b.Services.AddSingleton<IMessageAuditSink>(sink),
            user: user);

        await harness.Client.SendTextAsync("""{"user":"ada","password":"secret","note":"ééééééééééééé"}""", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Contain("secret", "the audit never changes the message");
        await harness.Backend.SendBinaryAsync([1, 2, 3], ct);
        (await harness.Client.ReceiveWholeAsync(ct)).Data.Should().Equal(1, 2, 3);

        var records = await sink.WaitForAsync(2, ct);
        var up = records[0];
        up.Direction.Should().Be(MessageDirection.ClientToBackend);
        up.ConnectionId.Should().Be("conn-1");
        up.RouteId.Should().Be("r");
        up.User.Should().Be("ada");
        up.MessageType.Should().Be(WebSocketMessageType.Text);
        up.Size.Should().Be(Encoding.UTF8.GetByteCount("""{"user":"ada","password":"secret","note":"ééééééééééééé"}"""));
        up.Truncated.Should().BeTrue();
        up.Payload.Should().StartWith("""{"user":"ada","password":"***","note":"é""").And.NotContain("secret");
        Encoding.UTF8.GetByteCount(up.Payload).Should().Be(41, "42 bytes would cut the second é in two");
        var down = records[1];
        down.Direction.Should().Be(MessageDirection.BackendToClient);
        down.MessageType.Should().Be(WebSocketMessageType.Binary);
        down.Payload.Should().Be(Convert.ToBase64String([1, 2, 3]));
        down.Truncated.Should().BeFalse();
    }

    [Fact]
    public void MessageAudit_BadSettings_NamedByKey()
    {
        var errors = PipelineHarness.Errors(new RouteConfig
        {
            Transformers = ["MessageAudit", "BinaryJson", "JsonRedaction", "TextBinary"],
            TransformerSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
            {
                ["MessageAudit"] = new Dictionary<string, string> { ["SampleRate"] = "2" },
                ["BinaryJson"] = new Dictionary<string, string> { ["Layout"] = "v:u8, x:q32", ["OnMalformed"] = "Delay" },
                ["JsonRedaction"] = new Dictionary<string, string> { ["Paths"] = "card.number" },
                ["TextBinary"] = new Dictionary<string, string> { ["ToBackend"] = "Close" },
            },
        });

        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:r:TransformerSettings:MessageAudit:SampleRate must be more than 0 and at most 1", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:r:TransformerSettings:BinaryJson:Layout field 1 ('x') has an unknown type 'q32'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:r:TransformerSettings:JsonRedaction:Paths JSON path 'card.number' must start with '$'", StringComparison.Ordinal));
        errors.Should().Contain("WebSocketProxy:Routes:r:TransformerSettings:TextBinary:ToBackend must be Text or Binary.");
        errors.Should().HaveCount(4);
    }

    [Fact]
    public void BuiltInNames_ListedInTheUnknownTransformerError()
    {
        var error = PipelineHarness.Errors(new RouteConfig { Transformers = ["nope"] }).Single();

        foreach (var name in typeof(MessageTransformerNames).GetFields().Select(f => (string)f.GetValue(null)!))
        {
            error.Should().Contain(name);
        }
    }

    internal sealed class CapturingAuditSink : IMessageAuditSink
    {
        private readonly List<MessageAuditRecord> _records = [];
        private readonly SemaphoreSlim _arrived = new(0);

        public ValueTask WriteAsync(IReadOnlyList<MessageAuditRecord> records, CancellationToken cancellationToken)
        {
            lock (_records)
            {
                _records.AddRange(records);
            }

            _arrived.Release(records.Count);
            return ValueTask.CompletedTask;
        }

        public async Task<List<MessageAuditRecord>> WaitForAsync(int count, CancellationToken cancellationToken)
        {
            for (var i = 0; i < count; i++)
            {
                await _arrived.WaitAsync(cancellationToken);
            }

            lock (_records)
            {
                return [.. _records];
            }
        }
    }
}
