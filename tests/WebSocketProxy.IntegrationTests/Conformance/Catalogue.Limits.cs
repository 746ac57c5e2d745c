using System.Diagnostics;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Families 9 (limits and performance, scaled down to at most 1 MiB per message) and 10 (auto-fragmentation).</summary>
internal static partial class Catalogue
{
    /// <summary>Autobahn's 9.1/9.2 sizes (64 KiB … 16 MiB) divided by 16: 4 KiB … 1 MiB.</summary>
    private static readonly int[] LargeMessageSizes = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 512 << 10, 1 << 20];

    /// <summary>Autobahn's 9.3/9.4 fragment sizes (64 B … 4 MiB) over one message of <see cref="FragmentedMessageSize"/> (Autobahn: 4 MiB).</summary>
    private static readonly int[] FragmentSizes = [64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

    private static readonly int[] ChopSizes = [64, 128, 256, 512, 1024, 2048];

    private static readonly int[] RoundTripSizes = [0, 16, 64, 256, 1024, 4096];

    private const int FragmentedMessageSize = 256 << 10;

    private const int ChoppedMessageSize = 256 << 10;

    /// <summary>Autobahn sends 1,000 messages one after another in 9.7/9.8; 200 measure the same round trip in a fifth of the time.</summary>
    private const int RoundTrips = 200;

    private static IEnumerable<ConformanceCase> Limits()
    {
        for (var kind = 1; kind <= 2; kind++)
        {
            var binary = kind == 2;
            var name = binary ? "binary" : "text";
            for (var i = 0; i < LargeMessageSizes.Length; i++)
            {
                var size = LargeMessageSizes[i];
                yield return LargeEcho($"9.{kind}.{i + 1}", $"Send a {name} message of {size} octets in one frame.", Payload(size, binary), binary, fragmentSize: 0, chop: 0);
            }
        }

        for (var kind = 3; kind <= 4; kind++)
        {
            var binary = kind == 4;
            for (var i = 0; i < FragmentSizes.Length; i++)
            {
                var fragment = FragmentSizes[i];
                yield return LargeEcho($"9.{kind}.{i + 1}", $"Send a {(binary ? "binary" : "text")} message of {FragmentedMessageSize} octets in fragments of {fragment} octets.", Payload(FragmentedMessageSize, binary), binary, fragment, chop: 0);
            }
        }

        for (var kind = 5; kind <= 6; kind++)
        {
            var binary = kind == 6;
            for (var i = 0; i < ChopSizes.Length; i++)
            {
                var chop = ChopSizes[i];
                yield return LargeEcho($"9.{kind}.{i + 1}", $"Send a {(binary ? "binary" : "text")} message of {ChoppedMessageSize} octets in one frame, written in chops of {chop} octets.", Payload(ChoppedMessageSize, binary), binary, fragmentSize: 0, chop);
            }
        }

        for (var kind = 7; kind <= 8; kind++)
        {
            var binary = kind == 8;
            for (var i = 0; i < RoundTripSizes.Length; i++)
            {
                var size = RoundTripSizes[i];
                var payload = Payload(size, binary);
                yield return EchoLoop($"9.{kind}.{i + 1}", $"Send {RoundTrips} {(binary ? "binary" : "text")} messages of {size} octets one after another, each after the echo of the previous.", RoundTrips, _ => payload, binary, fragmentSize: 0);
            }
        }
    }

    private static IEnumerable<ConformanceCase> AutoFragmentation()
    {
        var payload = Repeat((byte)'*', 65536);
        yield return LargeEcho("10.1.1", "Send a text message of 65536 octets in fragments of 1300 octets.", payload, binary: false, fragmentSize: 1300, chop: 0);
    }

    private static byte[] Payload(int size, bool binary) => binary ? Repeat(0xFE, size) : RepeatText("BAsd7&jh23", size);

    private static ConformanceCase LargeEcho(string id, string description, byte[] payload, bool binary, int fragmentSize, int chop) => new()
    {
        Id = id,
        Description = description,
        Script = c => chop > 0
            ? c.Client.SendRawAsync(Frame(binary ? Opcode.Binary : Opcode.Text, payload), chop)
            : c.Client.SendMessageAsync(payload, binary, fragmentSize),
        Expected = ConformanceCase.Ok(CaseEvent.Message(payload, binary)),
        EndAfter = TimeSpan.FromSeconds(10),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Sends <paramref name="count"/> messages one after another, each once the previous echo arrived, and checks every echo (9.7/9.8, 12.x, 13.x).</summary>
    private static ConformanceCase EchoLoop(string id, string description, int count, Func<int, byte[]> message, bool binary, int fragmentSize, IReadOnlyList<DeflateOffer>? offers = null) => new()
    {
        Id = id,
        Description = description,
        Offers = offers,
        Timeout = TimeSpan.FromSeconds(30),
        Script = async c =>
        {
            var watch = Stopwatch.StartNew();
            c.Behavior = Verdict.Ok;
            for (var i = 0; i < count; i++)
            {
                var sent = message(i);
                await c.Client.SendMessageAsync(sent, binary, fragmentSize);
                var expected = i + 1;
                if (!await c.Client.WaitUntilAsync(x => x.Received.Count >= expected, TimeSpan.FromSeconds(5)))
                {
                    c.Behavior = Verdict.Failed;
                    c.Note = $"no echo for message {expected} of {count}";
                    break;
                }

                var echo = c.Client.Received[i];
                if (!echo.SameAs(CaseEvent.Message(sent, binary)))
                {
                    c.Behavior = Verdict.Failed;
                    c.Note = $"echo {expected} differs: got {echo}, sent {sent.Length} B {(binary ? "binary" : "text")}";
                    break;
                }
            }

            if (c.Behavior == Verdict.Ok)
            {
                var deflate = c.Client.Deflate is { } agreed ? $", {agreed.Describe()}{(agreed.ClientCanCompress ? string.Empty : " (client sent uncompressed)")}" : string.Empty;
                c.Note = $"{count} echoes in {watch.Elapsed.TotalMilliseconds:0} ms{deflate}";
            }

            await c.Client.SendCloseAsync(1000);
        },
    };
}
