namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Family 5: fragmentation.</summary>
internal static partial class Catalogue
{
    /// <summary>Autobahn waits 1 s between the two halves of 5.19/5.20; 300 ms keeps the point (pings interleaved with a message in flight).</summary>
    private static readonly TimeSpan FragmentPause = TimeSpan.FromMilliseconds(300);

    private static IEnumerable<ConformanceCase> Fragmentation()
    {
        var f1 = Utf8("fragment1");
        var f2 = Utf8("fragment2");
        yield return Fails("5.1", "Send a ping fragmented into 2 fragments.", Wire.OneChop, 1002, Frame(Opcode.Ping, f1, fin: false), Frame(Opcode.Continuation, f2));
        yield return Fails("5.2", "Send a pong fragmented into 2 fragments.", Wire.OneChop, 1002, Frame(Opcode.Pong, f1, fin: false), Frame(Opcode.Continuation, f2));

        var wires = new[] { Wire.OneChop, Wire.PerFrame, Wire.PerOctet };
        var how = new[] { "in one chop", "one fragment at a time", "octet-wise chopped" };
        for (var w = 0; w < 3; w++)
        {
            var wire = wires[w];
            yield return new ConformanceCase
            {
                Id = $"5.{3 + w}",
                Description = $"Send a text message fragmented into 2 fragments, {how[w]}.",
                Script = c => SendFramesAsync(c, wire, Frame(Opcode.Text, f1, fin: false), Frame(Opcode.Continuation, f2)),
                Expected = ConformanceCase.Ok(CaseEvent.Message(Concat(f1, f2))),
            };
        }

        var pingPayload = Utf8("ping payload");
        for (var w = 0; w < 3; w++)
        {
            var wire = wires[w];
            yield return new ConformanceCase
            {
                Id = $"5.{6 + w}",
                Description = $"Send a text message fragmented into 2 fragments with a ping in between, {how[w]}.",
                Script = c => SendFramesAsync(c, wire, Frame(Opcode.Text, f1, fin: false), Frame(Opcode.Ping, pingPayload), Frame(Opcode.Continuation, f2)),
                Expected = ConformanceCase.Ok(CaseEvent.Pong(pingPayload), CaseEvent.Message(Concat(f1, f2))),
            };
        }

        var nothing = Utf8("non-continuation payload");
        var hello = Utf8("Hello, world!");
        for (var w = 0; w < 3; w++)
        {
            yield return Fails($"5.{9 + w}", $"Send a continuation frame with FIN = true where there is nothing to continue, then a text message, {how[w]}.", wires[w], 1002, Frame(Opcode.Continuation, nothing), Frame(Opcode.Text, hello));
        }

        for (var w = 0; w < 3; w++)
        {
            yield return Fails($"5.{12 + w}", $"Send a continuation frame with FIN = false where there is nothing to continue, then a text message, {how[w]}.", wires[w], 1002, Frame(Opcode.Continuation, nothing, fin: false), Frame(Opcode.Text, hello));
        }

        var f3 = Utf8("fragment3");
        var f4 = Utf8("fragment4");
        yield return new ConformanceCase
        {
            Id = "5.15",
            Description = "Send a text message in 2 fragments, then a continuation with FIN = false and nothing to continue, then a text message.",
            Script = c => SendFramesAsync(c, Wire.OneChop, Frame(Opcode.Text, f1, fin: false), Frame(Opcode.Continuation, f2), Frame(Opcode.Continuation, f3, fin: false), Frame(Opcode.Text, f4)),
            Expected = ConformanceCase.OkOrNonStrict([CaseEvent.Message(Concat(f1, f2))], []),
            Close = ExpectedClose.ProtocolError,
            End = CaseEnd.KillAfter,
        };
        byte[][] twice(bool firstFin) =>
        [
            Frame(Opcode.Continuation, f1, fin: firstFin), Frame(Opcode.Text, f2, fin: false), Frame(Opcode.Continuation, f3),
            Frame(Opcode.Continuation, f1, fin: firstFin), Frame(Opcode.Text, f2, fin: false), Frame(Opcode.Continuation, f3),
        ];
        yield return Fails("5.16", "Twice: a continuation (FIN = false) with nothing to continue, a text fragment, a final continuation.", Wire.OneChop, 1002, twice(false));
        yield return Fails("5.17", "Twice: a continuation (FIN = true) with nothing to continue, a text fragment, a final continuation.", Wire.OneChop, 1002, twice(true));
        yield return Fails("5.18", "Send a text message in 2 fragments with both frames using the text opcode.", Wire.OneChop, 1002, Frame(Opcode.Text, f1, fin: false), Frame(Opcode.Text, f2));

        var fragments = Enumerable.Range(1, 5).Select(i => Utf8($"fragment{i}")).ToArray();
        var pings = new[] { Utf8("pongme 1!"), Utf8("pongme 2!") };
        for (var variant = 0; variant < 2; variant++)
        {
            var wire = variant == 0 ? Wire.OneChop : Wire.PerFrame;
            yield return new ConformanceCase
            {
                Id = variant == 0 ? "5.19" : "5.20",
                Description = $"Send a text message in 5 fragments with pings after the 2nd and 4th and a {FragmentPause.TotalMilliseconds:0} ms pause after the first ping{(variant == 1 ? ", one write per frame" : string.Empty)}.",
                Script = async c =>
                {
                    await SendFramesAsync(c, wire, Frame(Opcode.Text, fragments[0], fin: false), Frame(Opcode.Continuation, fragments[1], fin: false), Frame(Opcode.Ping, pings[0]));
                    if (!await c.Client.WaitUntilAsync(x => x.CloseReceived, FragmentPause) && !c.Client.Ended)
                    {
                        await SendFramesAsync(c, wire, Frame(Opcode.Continuation, fragments[2], fin: false), Frame(Opcode.Continuation, fragments[3], fin: false), Frame(Opcode.Ping, pings[1]), Frame(Opcode.Continuation, fragments[4]));
                    }
                },
                Expected = ConformanceCase.Ok(CaseEvent.Pong(pings[0]), CaseEvent.Pong(pings[1]), CaseEvent.Message(Concat(fragments))),
            };
        }
    }
}
