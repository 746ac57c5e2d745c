using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Tests.Backends;

/// <summary>The proxy's own HTTP/1.1 backend handshake: the request it writes, the response head parser and the 101 checks.</summary>
public sealed class BackendHandshakeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AcceptFor_Rfc6455Example()
        => BackendHandshakeRequest.AcceptFor("dGhlIHNhbXBsZSBub25jZQ==").Should().Be("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    [Fact]
    public void Format_RequestLineHostUpgradeHeadersThenSetHeaders_LaterValueReplaces()
    {
        var request = new BackendHandshakeRequest(new Uri("ws://backend.test:8080/chat/room?x=1&y=%20"));
        request.SubProtocols.Add("v2.chat");
        request.SubProtocols.Add("v1.chat");
        request.SetHeader("X-Forwarded-For", "10.0.0.1");
        request.SetHeader("x-forwarded-for", "10.0.0.2");
        request.SetHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var text = request.Format();

        text.Should().StartWith("GET /chat/room?x=1&y=%20 HTTP/1.1\r\nHost: backend.test:8080\r\n");
        text.Should().Contain("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
        text.Should().Contain($"\r\nSec-WebSocket-Key: {request.Key}\r\n");
        text.Should().Contain("\r\nSec-WebSocket-Protocol: v2.chat, v1.chat\r\n");
        text.Should().Contain("\r\nx-forwarded-for: 10.0.0.2\r\n").And.NotContain("10.0.0.1");
        text.Should().NotContain("Sec-WebSocket-Extensions", "compression was not offered");
        text.Should().EndWith("\r\n\r\n");
        Convert.FromBase64String(request.Key).Should().HaveCount(16);
    }

    [Fact]
    public void Format_DefaultPortOmitted_HostHeaderOverrides_DeflateOffered()
    {
        var request = new BackendHandshakeRequest(new Uri("wss://10.1.2.3/ws")) { OfferDeflate = true };
        request.Host.Should().Be("10.1.2.3");
        request.SetHeader("Host", "api.internal:443");

        var text = request.Format();

        text.Should().StartWith("GET /ws HTTP/1.1\r\nHost: api.internal:443\r\n");
        text.Should().Contain("\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
        BackendTransport.ServerName(request.Host).Should().Be("api.internal");
        BackendTransport.ServerName("[::1]:8443").Should().Be("::1");
        BackendTransport.ServerName("backend").Should().Be("backend");
    }

    [Theory]
    [InlineData("X-Evil", "a\r\nInjected: yes")]
    [InlineData("X-Evil", "a\nb")]
    [InlineData("X Evil", "a")]
    [InlineData("X-Evil:", "a")]
    public void SetHeader_LineBreakOrDelimiter_Throws(string name, string value)
    {
        var request = new BackendHandshakeRequest(new Uri("ws://backend/ws"));
        var act = () => request.SetHeader(name, value);
        act.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    public async Task ReadAsync_101WithHeadersAndAFrameBehind_ParsesAndKeepsTheLeftover(int chunk)
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Multi: a\r\nx-multi:  b \r\n\r\n")
            .Concat(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' }).ToArray();

        var stream = new TrickleStream(bytes, chunk);
        var response = await BackendHandshakeResponse.ReadAsync(stream, Ct);

        response.StatusCode.Should().Be(101);
        response.Headers["X-MULTI"].Should().Equal("a", "b");
        response.Single("upgrade").Should().Be("websocket");
        response.Single("X-Multi").Should().BeNull("the header is repeated");
        var unread = new MemoryStream();
        await stream.CopyToAsync(unread, Ct);
        var tail = response.Leftover.ToArray().Concat(unread.ToArray());
        tail.Should().Equal(new byte[] { 0x81, 0x02, (byte)'h', (byte)'i' }, "the frame is either read past the head (kept) or still unread");
    }

    [Fact]
    public async Task ReadAsync_InterimResponseSkipped_RefusalHeadersWithoutContentHeaders()
    {
        var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nWWW-Authenticate: Bearer\r\n\r\nnope");

        var response = await BackendHandshakeResponse.ReadAsync(new TrickleStream(bytes, 7), Ct);

        response.StatusCode.Should().Be(403);
        response.RefusalHeaders().Keys.Should().BeEquivalentTo("WWW-Authenticate");
    }

    [Theory]
    [InlineData("HTP/1.1 101 Switching Protocols\r\n\r\n")]
    [InlineData("HTTP/2 101 Switching Protocols\r\n\r\n")]
    [InlineData("HTTP/1.1 1O1 Switching Protocols\r\n\r\n")]
    [InlineData("HTTP/1.1 101Switching\r\n\r\n")]
    [InlineData("HTTP/1.1 42\r\n\r\n")]
    [InlineData("\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n folded: line\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nBad Name: x\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n")]
    public async Task ReadAsync_MalformedOrCutShort_Throws(string head)
    {
        var act = async () => await BackendHandshakeResponse.ReadAsync(new TrickleStream(Encoding.ASCII.GetBytes(head), 5), Ct);
        await act.Should().ThrowAsync<BackendHandshakeException>();
    }

    [Fact]
    public async Task ReadAsync_HeadersPastTheLimit_ThrowsWithoutReadingMuchMore()
    {
        var head = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\n");
        while (head.Length < 4 * BackendHandshakeResponse.MaxHeadBytes)
        {
            head.Append("X-Filler: ").Append('a', 100).Append("\r\n");
        }

        var stream = new TrickleStream(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), 4096);
        var act = async () => await BackendHandshakeResponse.ReadAsync(stream, Ct);

        await act.Should().ThrowAsync<BackendHandshakeException>().WithMessage("*exceed*");
        stream.Position.Should().BeLessThanOrEqualTo(BackendHandshakeResponse.MaxHeadBytes + 4096 + 4);
    }

    [Fact]
    public void Validate_GoodResponse_NegotiatesOfferedSubprotocolSpellingAndDeflate()
    {
        var request = new BackendHandshakeRequest(new Uri("ws://backend/ws")) { OfferDeflate = true };
        request.SubProtocols.Add("Chat.V2");
        var response = Parse(
            $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: {BackendHandshakeRequest.AcceptFor(request.Key)}\r\n"
            + "Sec-WebSocket-Protocol: chat.v2\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=10; server_no_context_takeover\r\n\r\n");

        var (subProtocol, deflate) = BackendHandshakeValidation.Validate(request, response);

        subProtocol.Should().Be("Chat.V2");
        deflate.Should().NotBeNull();
        deflate!.ClientMaxWindowBits.Should().Be(10);
        deflate.ServerContextTakeover.Should().BeFalse();
        deflate.ClientContextTakeover.Should().BeTrue();
        deflate.ServerMaxWindowBits.Should().Be(15);
    }

    [Fact]
    public void Validate_ExtensionsNotOffered_IgnoredLikeClientWebSocket()
    {
        var request = new BackendHandshakeRequest(new Uri("ws://backend/ws"));
        var response = Parse(Ok(request) + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");

        BackendHandshakeValidation.Validate(request, response).Deflate.Should().BeNull();
    }

    [Theory]
    [InlineData("missing accept")]
    [InlineData("wrong accept")]
    [InlineData("no upgrade")]
    [InlineData("no connection")]
    [InlineData("subprotocol not offered")]
    [InlineData("window bits too small")]
    [InlineData("unknown deflate parameter")]
    public void Validate_BrokenUpgrade_ThrowsWebSocketException(string defect)
    {
        var request = new BackendHandshakeRequest(new Uri("ws://backend/ws")) { OfferDeflate = true };
        var accept = $"Sec-WebSocket-Accept: {BackendHandshakeRequest.AcceptFor(request.Key)}\r\n";
        var head = defect switch
        {
            "missing accept" => "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "wrong accept" => "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
            "no upgrade" => "HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n" + accept + "\r\n",
            "no connection" => "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n" + accept + "\r\n",
            "subprotocol not offered" => Ok(request) + "Sec-WebSocket-Protocol: chat\r\n\r\n",
            "window bits too small" => Ok(request) + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=8\r\n\r\n",
            _ => Ok(request) + "Sec-WebSocket-Extensions: permessage-deflate; x_unknown\r\n\r\n",
        };

        var act = () => BackendHandshakeValidation.Validate(request, Parse(head));

        act.Should().Throw<WebSocketException>();
    }

    private static string Ok(BackendHandshakeRequest request)
        => $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {BackendHandshakeRequest.AcceptFor(request.Key)}\r\n";

    private static BackendHandshakeResponse Parse(string head) => BackendHandshakeResponse.Parse(Encoding.ASCII.GetBytes(head), ReadOnlyMemory<byte>.Empty)!;

    /// <summary>A read-only stream that returns at most <c>chunk</c> bytes per read, then end of stream.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
