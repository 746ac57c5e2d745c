namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Family 7: close handling — codes, reasons, payload sizes, data after close.</summary>
internal static partial class Catalogue
{
    private static readonly int[] ValidCloseCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];

    private static readonly int[] InvalidCloseCodes = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

    private static IEnumerable<ConformanceCase> CloseHandling()
    {
        var helloWorld = Utf8("Hello World!");
        yield return ClientCloses("7.1.1", "Send a message followed by a close frame.", [CaseEvent.Message(helloWorld)], async c =>
        {
            await c.Client.SendFrameAsync(Opcode.Text, helloWorld);
            await c.Client.SendCloseAsync(1000);
        });
        yield return ClientCloses("7.1.2", "Send two close frames.", [], async c =>
        {
            await c.Client.SendCloseAsync(1000);
            await c.Client.SendFrameAsync(Opcode.Close, WireFrame.ClosePayload(1000));
        });
        yield return ClientCloses("7.1.3", "Send a ping after the close frame; no pong is expected.", [], async c =>
        {
            await c.Client.SendCloseAsync(1000);
            await c.Client.SendFrameAsync(Opcode.Ping, helloWorld);
        });
        yield return ClientCloses("7.1.4", "Send a text message after the close frame; no echo is expected.", [], async c =>
        {
            await c.Client.SendCloseAsync(1000);
            await c.Client.SendFrameAsync(Opcode.Text, helloWorld);
        });
        yield return ClientCloses("7.1.5", "Send a message fragment, a close frame, then the rest of the message; no echo is expected.", [], async c =>
        {
            await c.Client.SendFrameAsync(Opcode.Text, Utf8("fragment1"), fin: false);
            await c.Client.SendCloseAsync(1000);
            await c.Client.SendFrameAsync(Opcode.Continuation, Utf8("fragment2"));
        });
        yield return new ConformanceCase
        {
            Id = "7.1.6",
            Description = "Send a 256 KiB text message, a small text message, a close, then a ping (outcome depends on how the close is ordered with the echo).",
            Script = async c =>
            {
                await c.Client.SendRawAsync(Concat(Frame(Opcode.Text, RepeatText("BAsd7&jh23", 256 * 1024)), Frame(Opcode.Text, helloWorld)));
                await c.Client.SendCloseAsync(1000);
                await c.Client.SendFrameAsync(Opcode.Ping, []);
            },
            Expected = ConformanceCase.OkOrNonStrict([CaseEvent.Message(helloWorld)], []),
            End = CaseEnd.KillAfter,
            Informational = true,
        };

        yield return ClientCloses("7.3.1", "Send a close frame with an empty payload.", [], c => c.Client.SendCloseAsync(null));
        yield return ClientCloses("7.3.2", "Send a close frame with a 1-octet payload.", [], c => SendCloseRawAsync(c, Utf8("a")), new ExpectedClose(true, [1002], false));
        yield return ClientCloses("7.3.3", "Send a close frame with code 1000 and no reason.", [], c => c.Client.SendCloseAsync(1000));
        yield return ClientCloses("7.3.4", "Send a close frame with code 1000 and a reason.", [], c => c.Client.SendCloseAsync(1000, Utf8("Hello World!")));
        yield return ClientCloses("7.3.5", "Send a close frame with code 1000 and a 123-octet reason (payload 125 octets).", [], c => c.Client.SendCloseAsync(1000, Repeat((byte)'*', 123)));
        yield return ClientCloses("7.3.6", "Send a close frame with code 1000 and a 124-octet reason (payload 126 octets, too long for a control frame).", [], c => c.Client.SendCloseAsync(1000, Repeat((byte)'*', 124)), new ExpectedClose(true, [1002], false));

        yield return ClientCloses("7.5.1", "Send a close frame with code 1000 and a reason that is not valid UTF-8.", [], c => c.Client.SendCloseAsync(1000, Concat(Kosme, Hex("ed a0 80"), Utf8("edited"))), new ExpectedClose(true, [1002, 1007], false), wrongCodeFails: true);

        for (var i = 0; i < ValidCloseCodes.Length; i++)
        {
            var code = ValidCloseCodes[i];
            yield return ClientCloses($"7.7.{i + 1}", $"Send a close frame with valid close code {code}.", [], c => c.Client.SendCloseAsync(code), new ExpectedClose(true, [1000, code], true), wrongCodeFails: true);
        }

        for (var i = 0; i < InvalidCloseCodes.Length; i++)
        {
            var code = InvalidCloseCodes[i];
            yield return ClientCloses($"7.9.{i + 1}", $"Send a close frame with invalid close code {code}.", [], c => c.Client.SendCloseAsync(code), new ExpectedClose(true, [1002], false), wrongCodeFails: true);
        }

        var unusual = new[] { 5000, 65535 };
        for (var i = 0; i < unusual.Length; i++)
        {
            var code = unusual[i];
            yield return ClientCloses($"7.13.{i + 1}", $"Send a close frame with close code {code} (outside every defined range; the outcome is undefined by the spec).", [], c => c.Client.SendCloseAsync(code), new ExpectedClose(true, [1000, code, 1002], false), informational: true);
        }
    }

    /// <summary>A case whose script sends the close itself; the server must answer it (or fail the connection with one of the codes).</summary>
    private static ConformanceCase ClientCloses(string id, string description, CaseEvent[] expected, Func<CaseContext, Task> script, ExpectedClose? close = null, bool wrongCodeFails = false, bool informational = false) => new()
    {
        Id = id,
        Description = description,
        Script = script,
        Expected = ConformanceCase.Ok(expected),
        Close = close ?? ExpectedClose.Normal,
        End = CaseEnd.KillAfter,
        WrongCodeFails = wrongCodeFails,
        Informational = informational,
    };

    /// <summary>Sends a close frame with an arbitrary payload, marking the close as the client's.</summary>
    private static async Task SendCloseRawAsync(CaseContext context, byte[] payload)
    {
        context.Client.MarkCloseSent();
        await context.Client.SendFrameAsync(Opcode.Close, payload);
    }
}
