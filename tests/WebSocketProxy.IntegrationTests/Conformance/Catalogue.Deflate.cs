using System.Text;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>
/// Families 12 and 13: permessage-deflate. Autobahn sends 1,000 messages per case from five test files; here three
/// generated corpora stand in for the files (text sent binary like 12.1, a bitmap-like binary like 12.2, JSON sent as
/// text like 12.4 and all of 13.x), with a subset of Autobahn's (size, auto-fragment) rows and fewer messages.
/// </summary>
internal static partial class Catalogue
{
    /// <summary>Autobahn's MSG_SIZES rows (1-based index → payload length, auto-fragment size) this port keeps.</summary>
    private static readonly (int Row, int Length, int FragmentSize)[] DeflateRows =
    [
        (1, 16, 0), (3, 256, 0), (5, 4096, 0), (7, 16384, 0), (9, 65536, 0), (10, 131072, 0),
        (11, 8192, 256), (14, 65536, 256), (17, 131072, 4096), (18, 131072, 32768),
    ];

    /// <summary>The rows 13.x runs for each parameter set.</summary>
    private static readonly int[] Deflate13Rows = [1, 5, 9, 14];

    /// <summary>Autobahn's 13.x client offers, in order (13.7 offers three at once).</summary>
    private static readonly DeflateOffer[][] Deflate13Offers =
    [
        [new DeflateOffer()],
        [new DeflateOffer(RequestNoContextTakeover: true)],
        [new DeflateOffer(RequestMaxWindowBits: 8)],
        [new DeflateOffer(RequestMaxWindowBits: 15)],
        [new DeflateOffer(RequestNoContextTakeover: true, RequestMaxWindowBits: 8)],
        [new DeflateOffer(RequestNoContextTakeover: true, RequestMaxWindowBits: 15)],
        [new DeflateOffer(RequestNoContextTakeover: true, RequestMaxWindowBits: 8), new DeflateOffer(RequestNoContextTakeover: true), new DeflateOffer()],
    ];

    private static readonly Lazy<byte[]> TextCorpus = new(() => Corpus(seed: 2229, json: false));

    private static readonly Lazy<byte[]> JsonCorpus = new(() => Corpus(seed: 1, json: true));

    private static readonly Lazy<byte[]> BitmapCorpus = new(() =>
    {
        var random = new Random(512);
        var bytes = new byte[256 * 1024];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i % 512) / 2 + random.Next(8)); // smooth rows with noise, like a grey-scale picture
        }

        return bytes;
    });

    private static IEnumerable<ConformanceCase> Deflate()
    {
        (int Set, string Name, Lazy<byte[]> Data, bool Binary)[] sets =
        [
            (1, "generated prose (stands in for Goethe's Faust), sent binary", TextCorpus, true),
            (2, "generated bitmap-like binary (stands in for lena512.bmp)", BitmapCorpus, true),
            (4, "generated JSON, sent as text (stands in for data1.json)", JsonCorpus, false),
        ];
        foreach (var (set, name, data, binary) in sets)
        {
            foreach (var (row, length, fragmentSize) in DeflateRows)
            {
                yield return DeflateCase($"12.{set}.{row}", $"{name}: {MessageCount(length)} compressed messages of {length} octets, auto-fragment {fragmentSize}, default offer.", data, binary, length, fragmentSize, [new DeflateOffer()]);
            }
        }

        for (var set = 0; set < Deflate13Offers.Length; set++)
        {
            var offers = Deflate13Offers[set];
            foreach (var row in Deflate13Rows)
            {
                var (_, length, fragmentSize) = DeflateRows.Single(r => r.Row == row);
                yield return DeflateCase($"13.{set + 1}.{row}", $"generated JSON as text: {MessageCount(length)} compressed messages of {length} octets, auto-fragment {fragmentSize}, offers {string.Join(" + ", offers.Select(o => o.Describe()))}.", JsonCorpus, binary: false, length, fragmentSize, offers);
            }
        }
    }

    private static int MessageCount(int length) => length <= 16384 ? 30 : 10;

    private static ConformanceCase DeflateCase(string id, string description, Lazy<byte[]> data, bool binary, int length, int fragmentSize, IReadOnlyList<DeflateOffer> offers) =>
        EchoLoop(id, description, MessageCount(length), i => Slice(data.Value, i * length, length), binary, fragmentSize, offers);

    /// <summary>The <paramref name="index"/>-th window of <paramref name="length"/> bytes, wrapping round the corpus (Autobahn's <c>sendOne</c>).</summary>
    private static byte[] Slice(byte[] corpus, int index, int length)
    {
        var slice = new byte[length];
        for (var i = 0; i < length; i++)
        {
            slice[i] = corpus[(int)(((long)index + i) % corpus.Length)];
        }

        return slice;
    }

    /// <summary>Deterministic compressible text: prose from a small vocabulary, or JSON records; ASCII (so every window is valid UTF-8).</summary>
    private static byte[] Corpus(int seed, bool json)
    {
        string[] words = ["habe", "nun", "ach", "philosophie", "juristerei", "und", "medizin", "leider", "auch", "theologie", "durchaus", "studiert", "mit", "heissem", "bemuehn", "da", "steh", "ich", "armer", "tor"];
        var random = new Random(seed);
        var text = new StringBuilder(300 * 1024);
        var record = 0;
        while (text.Length < 256 * 1024)
        {
            if (json)
            {
                text.Append($$"""{"id":{{record++}},"name":"{{words[random.Next(words.Length)]}}","score":{{random.Next(100000)}},"tags":["{{words[random.Next(words.Length)]}}","{{words[random.Next(words.Length)]}}"],"active":{{(random.Next(2) == 0 ? "true" : "false")}}},""");
            }
            else
            {
                text.Append(words[random.Next(words.Length)]).Append(random.Next(12) == 0 ? ".\n" : " ");
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
