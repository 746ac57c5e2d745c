namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Families 1 (framing), 2 (pings and pongs), 3 (reserved bits) and 4 (opcodes).</summary>
internal static partial class Catalogue
{
    private static readonly int[] FramingLengths = [0, 125, 126, 127, 128, 65535, 65536];

    private static IEnumerable<ConformanceCase> Framing()
    {
        for (var kind = 1; kind <= 2; kind++)
        {
            var binary = kind == 2;
            for (var i = 0; i < FramingLengths.Length; i++)
            {
                var length = FramingLengths[i];
                var payload = binary ? Repeat(0xFE, length) : Repeat((byte)'*', length);
                yield return Echo($"1.{kind}.{i + 1}", $"Send a {(binary ? "binary" : "text")} message with payload length {length}.", payload, binary);
            }

            var chopped = binary ? Repeat(0xFE, 65536) : Repeat((byte)'*', 65536);
            yield return Echo($"1.{kind}.8", $"Send a {(binary ? "binary" : "text")} message with payload length 65536, sent in chops of 997 octets.", chopped, binary, chop: 997);
        }
    }

    private static IEnumerable<ConformanceCase> Pings()
    {
        ConformanceCase PingPong(string id, string description, byte[] payload, int chop = 0) => new()
        {
            Id = id,
            Description = description,
            Script = c => c.Client.SendRawAsync(Frame(Opcode.Ping, payload), chop),
            Expected = ConformanceCase.Ok(CaseEvent.Pong(payload)),
        };

        yield return PingPong("2.1", "Send a ping without payload.", []);
        yield return PingPong("2.2", "Send a ping with a small text payload.", Utf8("Hello, world!"));
        yield return PingPong("2.3", "Send a ping with a small binary (non UTF-8) payload.", Hex("00 ff fe fd fc fb 00 ff"));
        yield return PingPong("2.4", "Send a ping with a binary payload of 125 octets.", Repeat(0xFE, 125));
        yield return Fails("2.5", "Send a ping with a binary payload of 126 octets (control frames are limited to 125).", Wire.OneChop, 1002, Frame(Opcode.Ping, Repeat(0xFE, 126)));
        yield return PingPong("2.6", "Send a ping with a binary payload of 125 octets, octet-wise chopped.", Repeat(0xFE, 125), chop: 1);
        yield return new ConformanceCase
        {
            Id = "2.7",
            Description = "Send an unsolicited pong without payload; nothing is expected back.",
            Script = c => c.Client.SendFrameAsync(Opcode.Pong, []),
            Expected = ConformanceCase.Ok(),
        };
        yield return new ConformanceCase
        {
            Id = "2.8",
            Description = "Send an unsolicited pong with payload; nothing is expected back.",
            Script = c => c.Client.SendFrameAsync(Opcode.Pong, Utf8("unsolicited pong payload")),
            Expected = ConformanceCase.Ok(),
        };
        yield return new ConformanceCase
        {
            Id = "2.9",
            Description = "Send an unsolicited pong with payload, then a ping with payload; only the pong for the ping is expected.",
            Script = c => SendFramesAsync(c, Wire.OneChop, Frame(Opcode.Pong, Utf8("unsolicited pong payload")), Frame(Opcode.Ping, Utf8("ping payload"))),
            Expected = ConformanceCase.Ok(CaseEvent.Pong(Utf8("ping payload"))),
        };
        for (var variant = 0; variant < 2; variant++)
        {
            var chop = variant == 0 ? 0 : 1;
            var payloads = Enumerable.Range(0, 10).Select(i => Utf8($"payload-{i}")).ToArray();
            yield return new ConformanceCase
            {
                Id = variant == 0 ? "2.10" : "2.11",
                Description = variant == 0 ? "Send 10 pings with payload." : "Send 10 pings with payload, octet-wise chopped.",
                Script = async c =>
                {
                    foreach (var payload in payloads)
                    {
                        await c.Client.SendRawAsync(Frame(Opcode.Ping, payload), chop);
                    }
                },
                Expected = ConformanceCase.Ok([.. payloads.Select(CaseEvent.Pong)]),
                EndAfter = TimeSpan.FromSeconds(3),
            };
        }
    }

    private static IEnumerable<ConformanceCase> ReservedBits()
    {
        var hello = Utf8("Hello, world!");
        yield return Fails("3.1", "Send a small text message with RSV = 1.", Wire.OneChop, 1002, Frame(Opcode.Text, hello, rsv: 1));
        yield return EchoThenFails("3.2", "Send a small text message, then again with RSV = 2, then a ping.", Wire.OneChop, Frame(Opcode.Text, hello, rsv: 2));
        yield return EchoThenFails("3.3", "Send a small text message, then again with RSV = 3, then a ping; one write per frame.", Wire.PerFrame, Frame(Opcode.Text, hello, rsv: 3));
        yield return EchoThenFails("3.4", "Send a small text message, then again with RSV = 4, then a ping; octet-wise chopped.", Wire.PerOctet, Frame(Opcode.Text, hello, rsv: 4));
        yield return Fails("3.5", "Send a small binary message with RSV = 5.", Wire.OneChop, 1002, Frame(Opcode.Binary, Hex("00 ff fe fd fc fb 00 ff"), rsv: 5));
        yield return Fails("3.6", "Send a ping with payload and RSV = 6.", Wire.OneChop, 1002, Frame(Opcode.Ping, hello, rsv: 6));
        yield return Fails("3.7", "Send a close with RSV = 7.", Wire.OneChop, 1002, Frame(Opcode.Close, WireFrame.ClosePayload(1000), rsv: 7));
    }

    private static IEnumerable<ConformanceCase> Opcodes()
    {
        var payload = Utf8("reserved opcode payload");
        (string Id, int Opcode, bool WithPayload, bool AfterEcho)[] cases =
        [
            ("4.1.1", 3, false, false), ("4.1.2", 4, true, false), ("4.1.3", 5, false, true), ("4.1.4", 6, true, true), ("4.1.5", 7, true, true),
            ("4.2.1", 11, false, false), ("4.2.2", 12, true, false), ("4.2.3", 13, false, true), ("4.2.4", 14, true, true), ("4.2.5", 15, true, true),
        ];
        foreach (var (id, opcode, withPayload, afterEcho) in cases)
        {
            var kind = opcode < 8 ? "non-control" : "control";
            var frame = Frame(opcode, withPayload ? payload : []);
            var what = $"a frame with reserved {kind} opcode {opcode}{(withPayload ? " and payload" : string.Empty)}";
            yield return afterEcho
                ? EchoThenFails(id, $"Send a small text message, then {what}, then a ping.", Wire.OneChop, frame)
                : Fails(id, $"Send {what}.", Wire.OneChop, 1002, frame);
        }
    }
}
