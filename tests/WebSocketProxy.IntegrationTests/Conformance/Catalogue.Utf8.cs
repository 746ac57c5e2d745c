namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Family 6: UTF-8 handling — all 145 cases (6.1–6.4 by hand, 6.5–6.23 from Markus Kuhn's UTF-8 decoder test sequences as Autobahn lists them).</summary>
internal static partial class Catalogue
{
    /// <summary>Autobahn waits 1 s between the chops of 6.4.x; half a second keeps the point (fail fast on the chop that breaks UTF-8).</summary>
    private static readonly TimeSpan Utf8Pause = TimeSpan.FromMilliseconds(500);

    private static readonly byte[] Kosme = Hex("ce ba e1 bd b9 cf 83 ce bc ce b5");

    private static IEnumerable<ConformanceCase> Utf8Handling()
    {
        yield return EchoFrames("6.1.1", "Send a text message of length 0.", [], Frame(Opcode.Text, []));
        yield return EchoFrames("6.1.2", "Send a fragmented text message, 3 fragments each of length 0.", [], Frame(Opcode.Text, [], fin: false), Frame(Opcode.Continuation, [], fin: false), Frame(Opcode.Continuation, []));
        var middle = Utf8("middle frame payload");
        yield return EchoFrames("6.1.3", "Send a fragmented text message, 3 fragments, first and last of length 0, the middle non-empty.", middle, Frame(Opcode.Text, [], fin: false), Frame(Opcode.Continuation, middle, fin: false), Frame(Opcode.Continuation, []));

        var hello = Utf8("Hello-µ@ßöäüàá-UTF-8!!");
        yield return EchoFrames("6.2.1", "Send a valid UTF-8 text message in one fragment.", hello, Frame(Opcode.Text, hello));
        var split = Utf8("Hello-µ@ßöä").Length;
        yield return EchoFrames("6.2.2", "Send a valid UTF-8 text message in two fragments, split at a code point boundary.", hello, Frame(Opcode.Text, hello[..split], fin: false), Frame(Opcode.Continuation, hello[split..]));
        yield return EchoFrames("6.2.3", "Send a valid UTF-8 text message in fragments of 1 octet, splitting within code points.", hello, OctetFrames(hello));
        yield return EchoFrames("6.2.4", "Send a valid UTF-8 text message (κόσμε) in fragments of 1 octet, splitting within code points.", Kosme, OctetFrames(Kosme));

        var invalid = Concat(Kosme, Hex("ed a0 80"), Utf8("edited"));
        yield return Fails("6.3.1", "Send an invalid UTF-8 text message unfragmented.", Wire.OneChop, 1007, Frame(Opcode.Text, invalid));
        yield return Fails("6.3.2", "Send an invalid UTF-8 text message in fragments of 1 octet.", Wire.OneChop, 1007, OctetFrames(invalid));

        var whole = Concat(Kosme, Hex("f4 90 80 80"), Utf8("edited"));
        byte[][] partsA = [Kosme, Hex("f4 90 80 80"), Utf8("edited")];
        byte[][] partsB = [whole[..12], whole[12..13], whole[13..]];
        yield return FailFast("6.4.1", "Send an invalid UTF-8 text message in 3 frames; the 2nd frame (0xf4 0x90 0x80 0x80) makes it invalid; pause between frames.", partsA, asFrames: true);
        yield return FailFast("6.4.2", "Same as 6.4.1, but the 2nd frame is only the offending octet (0x90).", partsB, asFrames: true);
        yield return FailFast("6.4.3", "Same as 6.4.1, but 3 chops of one frame instead of 3 frames.", partsA, asFrames: false);
        yield return FailFast("6.4.4", "Same as 6.4.2, but 3 chops of one frame instead of 3 frames.", partsB, asFrames: false);

        var section = 5;
        foreach (var (title, sequences) in Utf8Sequences())
        {
            var index = 1;
            foreach (var (valid, payload) in sequences)
            {
                var id = $"6.{section}.{index++}";
                var description = $"{title}: a text message with payload 0x{Convert.ToHexString(payload).ToLowerInvariant()} ({(valid ? "valid" : "invalid")} UTF-8) in one frame.";
                yield return valid
                    ? EchoFrames(id, description, payload, Frame(Opcode.Text, payload))
                    : Fails(id, description, Wire.OneChop, 1007, Frame(Opcode.Text, payload));
            }

            section++;
        }
    }

    private static byte[][] OctetFrames(byte[] payload) =>
        [.. payload.Select((b, i) => Frame(i == 0 ? Opcode.Text : Opcode.Continuation, [b], fin: i == payload.Length - 1))];

    private static ConformanceCase EchoFrames(string id, string description, byte[] echo, params byte[][] frames) => new()
    {
        Id = id,
        Description = description,
        Script = c => SendFramesAsync(c, Wire.OneChop, frames),
        Expected = ConformanceCase.Ok(CaseEvent.Message(echo)),
    };

    /// <summary>6.4.x: the first part is valid; the second breaks UTF-8 and should be refused at once (OK), at the latest when the message ends (NON-STRICT).</summary>
    private static ConformanceCase FailFast(string id, string description, byte[][] parts, bool asFrames) => new()
    {
        Id = id,
        Description = description,
        Script = async c =>
        {
            byte[][] writes;
            if (asFrames)
            {
                writes = [Frame(Opcode.Text, parts[0], fin: false), Frame(Opcode.Continuation, parts[1], fin: false), Frame(Opcode.Continuation, parts[2])];
            }
            else
            {
                var frame = Frame(Opcode.Text, Concat(parts));
                var header = frame.Length - parts.Sum(p => p.Length);
                var cut1 = header + parts[0].Length;
                var cut2 = cut1 + parts[1].Length;
                writes = [frame[..cut1], frame[cut1..cut2], frame[cut2..]];
            }

            await c.Client.SendRawAsync(writes[0]);
            if (await c.ContinueLaterAsync(Utf8Pause, "A"))
            {
                await c.Client.SendRawAsync(writes[1]);
                if (await c.ContinueLaterAsync(Utf8Pause, "B"))
                {
                    await c.Client.SendRawAsync(writes[2]);
                }
            }
        },
        Expected = ConformanceCase.OkOrNonStrict([CaseEvent.Timeout("A")], [CaseEvent.Timeout("A"), CaseEvent.Timeout("B")]),
        Close = ExpectedClose.InvalidPayload,
        End = CaseEnd.KillAfter,
    };

    private static IEnumerable<(string Title, (bool Valid, byte[] Payload)[] Sequences)> Utf8Sequences()
    {
        static (bool, byte[]) V(string hex) => (true, Hex(hex));
        static (bool, byte[]) X(string hex) => (false, Hex(hex));

        yield return ("Some valid UTF-8 sequences", [(true, Utf8("hello$world")), (true, Utf8("hello¢world")), (true, Utf8("hello€world")), (true, Utf8("hello\U00024B62world")), (true, Kosme)]);
        yield return ("All prefixes of a valid UTF-8 string that contains multi-byte code points", [.. Enumerable.Range(1, Kosme.Length).Select(n => (System.Text.Unicode.Utf8.IsValid(Kosme.AsSpan(0, n)), Kosme[..n]))]);
        yield return ("First possible sequence of a certain length", [V("00"), V("c2 80"), V("e0 a0 80"), V("f0 90 80 80")]);
        yield return ("First possible sequence length 5/6 (invalid codepoints)", [X("f8 88 80 80 80"), X("fc 84 80 80 80 80")]);
        yield return ("Last possible sequence of a certain length", [V("7f"), V("df bf"), V("ef bf bf"), V("f4 8f bf bf")]);
        yield return ("Last possible sequence length 4/5/6 (invalid codepoints)", [X("f7 bf bf bf"), X("fb bf bf bf bf"), X("fd bf bf bf bf bf")]);
        yield return ("Other boundary conditions", [V("ed 9f bf"), V("ee 80 80"), V("ef bf bd"), V("f4 8f bf bf"), X("f4 90 80 80")]);
        yield return ("Unexpected continuation bytes", [X("80"), X("bf"), X("80 bf"), X("80 bf 80"), X("80 bf 80 bf"), X("80 bf 80 bf 80"), X("80 bf 80 bf 80 bf"), (false, [.. Enumerable.Range(0x80, 0x3F).Select(b => (byte)b)])]);
        (int From, int To)[] starts = [(0xc0, 0xdf), (0xe0, 0xef), (0xf0, 0xf7), (0xf8, 0xfb), (0xfc, 0xfd)];
        yield return ("Lonely start characters", [.. starts.Select(r => (false, Enumerable.Range(r.From, r.To - r.From).SelectMany(b => new[] { (byte)b, (byte)0x20 }).ToArray()))]);
        string[] missing = ["c0", "e0 80", "f0 80 80", "f8 80 80 80", "fc 80 80 80 80", "df", "ef bf", "f7 bf bf", "fb bf bf bf", "fd bf bf bf bf"];
        yield return ("Sequences with last continuation byte missing", [.. missing.Select(X)]);
        yield return ("Concatenation of incomplete sequences", [X(string.Join(" ", missing))]);
        yield return ("Impossible bytes", [X("fe"), X("ff"), X("fe fe ff ff")]);
        yield return ("Examples of an overlong ASCII character", [X("c0 af"), X("e0 80 af"), X("f0 80 80 af"), X("f8 80 80 80 af"), X("fc 80 80 80 80 af")]);
        yield return ("Maximum overlong sequences", [X("c1 bf"), X("e0 9f bf"), X("f0 8f bf bf"), X("f8 87 bf bf bf"), X("fc 83 bf bf bf bf")]);
        yield return ("Overlong representation of the NUL character", [X("c0 80"), X("e0 80 80"), X("f0 80 80 80"), X("f8 80 80 80 80"), X("fc 80 80 80 80 80")]);
        yield return ("Single UTF-16 surrogates", [X("ed a0 80"), X("ed ad bf"), X("ed ae 80"), X("ed af bf"), X("ed b0 80"), X("ed be 80"), X("ed bf bf")]);
        string[] high = ["ed a0 80", "ed ad bf", "ed ae 80", "ed af bf"];
        yield return ("Paired UTF-16 surrogates", [.. high.SelectMany(h => new[] { X(h + " ed b0 80"), X(h + " ed bf bf") })]);
        yield return ("Non-character code points (valid UTF-8)", [V("ef bf be"), V("ef bf bf"), .. NonCharacters()]);
        yield return ("Unicode specials (i.e. replacement char)", [V("ef bf b9"), V("ef bf ba"), V("ef bf bb"), V("ef bf bc"), V("ef bf bd"), V("ef bf be"), V("ef bf bf")]);
    }

    private static IEnumerable<(bool, byte[])> NonCharacters()
    {
        foreach (var z1 in new byte[] { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4 })
        {
            foreach (var z2 in new byte[] { 0x8f, 0x9f, 0xaf, 0xbf })
            {
                if (z1 == 0xf4 && z2 != 0x8f)
                {
                    continue; // beyond U+10FFFF
                }

                foreach (var z3 in new byte[] { 0xbe, 0xbf })
                {
                    if (z1 == 0xf0 && z2 == 0x8f)
                    {
                        continue; // overlong
                    }

                    yield return (true, [z1, z2, 0xbf, z3]);
                }
            }
        }
    }
}
