using System.Text;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>
/// The ported Autobahn|Testsuite case catalogue (fuzzingclient mode: cases run against a server). Each case keeps Autobahn's
/// id, what it sends and what it expects; waits and message sizes are scaled down where noted (docs/conformance.md).
/// </summary>
internal static partial class Catalogue
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> AllCases = new(() =>
        [.. Framing(), .. Pings(), .. ReservedBits(), .. Opcodes(), .. Fragmentation(), .. Utf8Handling(), .. CloseHandling(), .. Limits(), .. AutoFragmentation(), .. Deflate()]);

    /// <summary>Gets every case, in Autobahn's order.</summary>
    public static IReadOnlyList<ConformanceCase> All => AllCases.Value;

    /// <summary>Gets the families (<c>1</c>, <c>2</c>, … <c>13</c>) in order.</summary>
    public static IReadOnlyList<string> Families => [.. All.Select(c => c.Family).Distinct()];

    private static byte[] Utf8(string value) => Encoding.UTF8.GetBytes(value);

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    private static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();

    private static byte[] RepeatText(string pattern, int length)
    {
        var bytes = new byte[length];
        var source = Utf8(pattern);
        for (var i = 0; i < length; i++)
        {
            bytes[i] = source[i % source.Length];
        }

        return bytes;
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Frame(int opcode, byte[] payload, bool fin = true, int rsv = 0) => WireFrame.Encode(opcode, payload, fin, rsv);

    /// <summary>How a multi-frame case puts its frames on the wire: Autobahn's plain, <c>sync</c> and octet-wise <c>chopsize=1</c> variants.</summary>
    private enum Wire
    {
        /// <summary>All frames in one socket write.</summary>
        OneChop,

        /// <summary>One socket write per frame.</summary>
        PerFrame,

        /// <summary>One socket write per octet.</summary>
        PerOctet,
    }

    private static async Task SendFramesAsync(CaseContext context, Wire wire, params byte[][] frames)
    {
        if (wire == Wire.OneChop)
        {
            await context.Client.SendRawAsync(Concat(frames));
            return;
        }

        foreach (var frame in frames)
        {
            await context.Client.SendRawAsync(frame, wire == Wire.PerOctet ? 1 : 0);
        }
    }

    /// <summary>Sends one frame; the server must echo it as a message; the client then closes normally.</summary>
    private static ConformanceCase Echo(string id, string description, byte[] payload, bool binary, int chop = 0, TimeSpan? endAfter = null) => new()
    {
        Id = id,
        Description = description,
        Script = c => c.Client.SendRawAsync(Frame(binary ? Opcode.Binary : Opcode.Text, payload), chop),
        Expected = ConformanceCase.Ok(CaseEvent.Message(payload, binary)),
        EndAfter = endAfter ?? TimeSpan.FromSeconds(2),
    };

    /// <summary>Sends frames the server must fail the connection on, without answering anything first.</summary>
    private static ConformanceCase Fails(string id, string description, Wire wire, int code, params byte[][] frames) => new()
    {
        Id = id,
        Description = description,
        Script = c => SendFramesAsync(c, wire, frames),
        Expected = ConformanceCase.Ok(),
        Close = ExpectedClose.Fail(code),
        End = CaseEnd.KillAfter,
    };

    /// <summary>Sends a valid text message and then a bad frame (and a ping): the echo is expected (NON-STRICT without it), then a failed connection.</summary>
    private static ConformanceCase EchoThenFails(string id, string description, Wire wire, byte[] bad)
    {
        var payload = Utf8("Hello, world!");
        return new ConformanceCase
        {
            Id = id,
            Description = description,
            Script = c => SendFramesAsync(c, wire, Frame(Opcode.Text, payload), bad, Frame(Opcode.Ping, [])),
            Expected = ConformanceCase.OkOrNonStrict([CaseEvent.Message(payload)], []),
            Close = ExpectedClose.ProtocolError,
            End = CaseEnd.KillAfter,
        };
    }
}
