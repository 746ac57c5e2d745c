using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

/// <summary>The frame relay on its own: bytes in as a client would send them, frames out as the backend gets them.</summary>
public sealed partial class FrameRelayStreamTests
{
    [Fact]
    public async Task WholeFrames_ForwardedByteForByte_InOneWrite()
    {
        var frames = Concat(Frame(0x81, "one"u8, masked: true), Frame(0x82, [1, 2, 3], masked: true), Frame(0x81, ""u8, masked: true));
        var relay = new RelayHarness([frames]);

        var handedUp = await relay.RunAsync();

        handedUp.Should().BeEmpty();
        relay.Written.Should().Equal(frames);
        relay.Writes.Should().Be(1);
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Text, 3L), (WebSocketMessageType.Binary, 3L), (WebSocketMessageType.Text, 0L));
    }

    [Theory]
    [InlineData(333, true)]
    [InlineData(1, true)]
    [InlineData(700, false)]
    public async Task LargeFrame_CutByReads_GoesOnInPiecesThatUnmaskToTheOriginal(int chunk, bool masked)
    {
        var payload = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var relay = new RelayHarness(Chunks(Frame(0x82, payload, masked), chunk), masked);

        (await relay.RunAsync()).Should().BeEmpty();

        var received = ParseFrames(relay.Written);
        received.Should().HaveCountGreaterThan(1);
        received[0].Opcode.Should().Be(2);
        received.Skip(1).Should().OnlyContain(f => f.Opcode == 0);
        received.Take(received.Count - 1).Should().OnlyContain(f => !f.Fin);
        received[^1].Fin.Should().BeTrue();
        received.Should().OnlyContain(f => f.Masked == masked);
        received.SelectMany(f => f.Payload).Should().Equal(payload);
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Binary, 5000L));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeFrame_InSmallReads_GoesOnInPiecesOfAtLeast16KiB_NotAPiecePerRead(bool masked)
    {
        // What Kestrel with inline scheduling hands over: a socket read (4 KiB) at a time.
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 13)).ToArray();
        var relay = new RelayHarness(Chunks(Frame(0x82, payload, masked), 4096), masked, bufferSize: 64 * 1024);

        (await relay.RunAsync()).Should().BeEmpty();

        var received = ParseFrames(relay.Written);
        received.Take(received.Count - 1).Should().OnlyContain(f => f.Payload.Length >= 16 * 1024, "a piece waits for more of its frame while the buffer has room");
        received.Count.Should().BeLessThanOrEqualTo(7, "100,000 bytes in pieces of 16 KiB or more, not 25 pieces of 4 KiB");
        received.SelectMany(f => f.Payload).Should().Equal(payload);
        received.Should().OnlyContain(f => f.Masked == masked);
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Binary, 100_000L));
    }

    [Fact]
    public async Task PingBetweenFragments_HandedUpInOrder_FragmentsForwarded()
    {
        var first = Frame(0x01, "hel"u8, masked: true);
        var ping = Frame(0x89, "p"u8, masked: true);
        var last = Frame(0x80, "lo"u8, masked: true);
        var relay = new RelayHarness([Concat(first, ping, last)]);

        var handedUp = await relay.RunAsync();

        handedUp.Should().Equal(ping);
        relay.WrittenBeforeFirstHandUp.Should().Equal(first);
        relay.Written.Should().Equal(Concat(first, last));
        relay.Observer.Messages.Should().Equal((WebSocketMessageType.Text, 5L));
    }

    [Theory]
    [InlineData("reserved bit")]
    [InlineData("unknown opcode")]
    [InlineData("continuation without a message")]
    [InlineData("new message inside a fragmented one")]
    [InlineData("unmasked client frame")]
    public async Task ProtocolError_Stops1002_EarlierFramesForwarded_OffendingFrameNot(string violation)
    {
        var earlier = Frame(0x82, [9], masked: true);
        var offending = violation switch
        {
            "reserved bit" => Frame(0xA2, [1], masked: true),
            "unknown opcode" => Frame(0x83, [1], masked: true),
            "continuation without a message" => Frame(0x80, [1], masked: true),
            "new message inside a fragmented one" => Concat(Frame(0x02, [1], masked: true), Frame(0x82, [2], masked: true)),
            _ => Frame(0x82, [1], masked: false),
        };
        var relay = new RelayHarness([Concat(earlier, offending)]);

        var handedUp = await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.ProtocolError);
        relay.Relay.Exit.DestinationFailed.Should().BeFalse();
        handedUp.Should().Equal(0x82, 0x80, 0, 0, 0, 0); // an empty masked binary frame: the pump's receive returns
        var forwarded = ParseFrames(relay.Written);
        forwarded[0].Payload.Should().Equal(9);
        forwarded.Should().NotContain(f => f.Payload.SequenceEqual(new byte[] { 2 }));
    }

    [Fact]
    public async Task MessageOverTheLimit_Stops1009_BeforeTheFrameThatCrossesIt()
    {
        var relay = new RelayHarness([Concat(Frame(0x02, new byte[60], masked: true), Frame(0x80, new byte[60], masked: true))], maxMessageBytes: 100);

        await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.MessageTooBig);
        ParseFrames(relay.Written).Should().ContainSingle().Which.Payload.Should().HaveCount(60);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public async Task TextMessage_MultibyteCharactersCutByReadsAndFrames_Valid(int chunk)
    {
        var text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("héllo wörld 😀 ", 300)));
        var half = text.Length / 2 + 1; // cuts a sequence between two frames
        var frames = Concat(Frame(0x01, text.AsSpan(0, half), masked: true), Frame(0x80, text.AsSpan(half), masked: true));
        var relay = new RelayHarness(Chunks(frames, chunk));

        (await relay.RunAsync()).Should().BeEmpty();

        relay.Relay.Exit.Should().BeNull();
        ParseFrames(relay.Written).SelectMany(f => f.Payload).Should().Equal(text);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3 }, 1)] // a sequence the message ends inside
    [InlineData(new byte[] { 0xFF, 0x41 }, 7)]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 2000)] // an encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90 }, 3001)] // above U+10FFFF, cut by the read: fails before the rest arrives
    [InlineData(new byte[] { 0xE0, 0x80 }, 3001)] // an overlong form, cut by the read
    public async Task TextMessage_InvalidUtf8_Stops1007(byte[] invalid, int chunk)
    {
        var text = Concat(Encoding.UTF8.GetBytes(new string('a', 3000)), invalid);
        var relay = new RelayHarness(Chunks(Frame(0x81, text, masked: true), chunk));

        await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        relay.Observer.Messages.Should().BeEmpty();
    }

    [Fact]
    public async Task TextFragments_ASequenceThatCannotBecomeValid_FailsOnTheFrameThatMakesIt_NotForwarded()
    {
        // Autobahn 6.4.2: F4 (valid so far) ends the first frame, 90 (F4 90 is above U+10FFFF) is the whole second one.
        var first = Frame(0x01, [0xCE, 0xBA, 0xF4], masked: true);
        var relay = new RelayHarness([Concat(first, Frame(0x00, [0x90], masked: true), Frame(0x80, [0x80, 0x80], masked: true))]);

        await relay.RunAsync();

        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        relay.Written.Should().Equal(first, "the frame that made the sequence invalid is not forwarded");
    }

    [Fact]
    public async Task CloseFrame_HandedUpInFull_BufferGoesBackToThePool()
    {
        // Data, then the close frame in the same read: the WebSocket reads the close and never reads again.
        var close = Frame(0x88, [0x03, 0xE8], masked: true);
        var relay = new RelayHarness([Concat(Frame(0x82, [1, 2, 3], masked: true), close)], bufferSize: 64 * 1024);

        var handedUp = await relay.ReadUntilHandedUpAsync(close.Length);

        handedUp.Should().Equal(close);
        relay.Relay.HoldsBuffer.Should().BeFalse("a leg whose close is up holds no 64 KiB buffer until the stream is collected");
        relay.Written.Should().Equal(Frame(0x82, [1, 2, 3], masked: true));
    }

    [Fact]
    public async Task DestinationAlreadySentItsClose_RelayStops_DestinationFailed()
    {
        var relay = new RelayHarness([Frame(0x82, [1], masked: true)]);
        await relay.Peer.WriteAsync(new byte[] { 0x88, 0x00 }, TestContext.Current.CancellationToken); // the destination's WebSocket sends its close frame

        var handedUp = await relay.RunAsync();

        relay.Relay.Exit!.DestinationFailed.Should().BeTrue();
        handedUp.Should().Equal(0x82, 0x80, 0, 0, 0, 0);
        relay.Written.Should().Equal(0x88, 0x00);
    }

    [Fact]
    public async Task RateLimiter_DropsAMessage_ClosesOnTheNext()
    {
        var relay = new RelayHarness([Concat(Frame(0x82, [1], masked: true), Frame(0x82, [2], masked: true), Frame(0x82, [3], masked: true))]);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Forward);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Drop);
        relay.Observer.Verdicts.Enqueue(FrameRelayVerdict.Close);

        await relay.RunAsync();

        ParseFrames(relay.Written).Should().ContainSingle().Which.Payload.Should().Equal(1);
        relay.Relay.Exit!.Status.Should().Be(WebSocketCloseStatus.PolicyViolation);
    }
}
