using System.IO.Compression;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>One permessage-deflate offer, with the parameters Autobahn's client offers vary (RFC 7692).</summary>
/// <param name="AcceptNoContextTakeover">Offers <c>client_no_context_takeover</c> (the server may ask the client to reset its context).</param>
/// <param name="AcceptMaxWindowBits">Offers <c>client_max_window_bits</c> (the server may ask for a smaller client window).</param>
/// <param name="RequestNoContextTakeover">Asks for <c>server_no_context_takeover</c>.</param>
/// <param name="RequestMaxWindowBits">Asks for <c>server_max_window_bits=N</c>; 0 for no request.</param>
internal sealed record DeflateOffer(bool AcceptNoContextTakeover = true, bool AcceptMaxWindowBits = true, bool RequestNoContextTakeover = false, int RequestMaxWindowBits = 0)
{
    /// <summary>The offer as one element of <c>Sec-WebSocket-Extensions</c>.</summary>
    /// <returns>E.g. <c>permessage-deflate; client_no_context_takeover; client_max_window_bits</c>.</returns>
    public string ToHeaderElement()
    {
        var value = "permessage-deflate";
        if (AcceptNoContextTakeover)
        {
            value += "; client_no_context_takeover";
        }

        if (AcceptMaxWindowBits)
        {
            value += "; client_max_window_bits";
        }

        if (RequestNoContextTakeover)
        {
            value += "; server_no_context_takeover";
        }

        if (RequestMaxWindowBits != 0)
        {
            value += $"; server_max_window_bits={RequestMaxWindowBits}";
        }

        return value;
    }

    /// <summary>A short description for the report, in Autobahn's terms.</summary>
    /// <returns>E.g. <c>(noContextTakeover=True, maxWindowBits=8)</c>.</returns>
    public string Describe() => $"(requestNoContextTakeover={RequestNoContextTakeover}, requestMaxWindowBits={RequestMaxWindowBits})";
}

/// <summary>The permessage-deflate parameters a server accepted.</summary>
internal sealed record DeflateAgreement(bool ClientNoContextTakeover, bool ServerNoContextTakeover, int ClientMaxWindowBits, int ServerMaxWindowBits)
{
    /// <summary>Parses the server's <c>Sec-WebSocket-Extensions</c> answer; null when it accepted no permessage-deflate.</summary>
    /// <param name="header">The header value, or null.</param>
    /// <returns>The agreement, or null.</returns>
    public static DeflateAgreement? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        foreach (var extension in header.Split(','))
        {
            var parts = extension.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            bool clientNoContext = false, serverNoContext = false;
            int clientBits = 15, serverBits = 15;
            foreach (var parameter in parts.Skip(1))
            {
                var pair = parameter.Split('=', 2, StringSplitOptions.TrimEntries);
                var bits = pair.Length == 2 && int.TryParse(pair[1].Trim('"'), out var parsed) ? parsed : 15;
                switch (pair[0].ToLowerInvariant())
                {
                    case "client_no_context_takeover": clientNoContext = true; break;
                    case "server_no_context_takeover": serverNoContext = true; break;
                    case "client_max_window_bits": clientBits = bits; break;
                    case "server_max_window_bits": serverBits = bits; break;
                }
            }

            return new DeflateAgreement(clientNoContext, serverNoContext, clientBits, serverBits);
        }

        return null;
    }

    /// <summary>Gets whether this client can compress within the agreed client window: .NET's deflater always uses a 15-bit window.</summary>
    /// <remarks>When a smaller client window is agreed, the client sends its messages uncompressed (RSV1 clear), which RFC 7692 allows.</remarks>
    public bool ClientCanCompress => ClientMaxWindowBits >= 15;

    /// <summary>Describes the agreement for the report.</summary>
    /// <returns>E.g. <c>client_no_context_takeover, server_max_window_bits=15</c>.</returns>
    public string Describe() =>
        $"{(ClientNoContextTakeover ? "client_no_context_takeover, " : string.Empty)}{(ServerNoContextTakeover ? "server_no_context_takeover, " : string.Empty)}client_max_window_bits={ClientMaxWindowBits}, server_max_window_bits={ServerMaxWindowBits}";
}

/// <summary>Compresses whole messages the permessage-deflate way: raw deflate, sync flush, the <c>00 00 FF FF</c> tail stripped.</summary>
internal sealed class MessageDeflater : IDisposable
{
    private readonly bool _resetEachMessage;
    private MemoryStream _output = new();
    private DeflateStream? _deflate;

    public MessageDeflater(bool resetEachMessage)
    {
        _resetEachMessage = resetEachMessage;
    }

    public byte[] Compress(ReadOnlySpan<byte> message)
    {
        if (_deflate is null || _resetEachMessage)
        {
            _deflate?.Dispose();
            _output = new MemoryStream();
            _deflate = new DeflateStream(_output, CompressionLevel.Fastest, leaveOpen: true);
        }

        _output.SetLength(0);
        _deflate.Write(message);
        _deflate.Flush();
        var bytes = _output.ToArray();
        var length = bytes.Length;
        if (length >= 4 && bytes[length - 4] == 0 && bytes[length - 3] == 0 && bytes[length - 2] == 0xFF && bytes[length - 1] == 0xFF)
        {
            length -= 4;
        }

        return length == 0 ? [0x00] : bytes.AsSpan(0, length).ToArray();
    }

    public void Dispose() => _deflate?.Dispose();
}

/// <summary>Inflates permessage-deflate messages with one sliding window for the whole connection (works whether or not the server resets its context).</summary>
internal sealed class MessageInflater : IDisposable
{
    private static readonly byte[] Tail = [0x00, 0x00, 0xFF, 0xFF];
    private readonly FeedStream _feed = new();
    private readonly DeflateStream _inflate;

    public MessageInflater()
    {
        _inflate = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Inflates one message.</summary>
    /// <param name="compressed">The message payload as received (all frames joined).</param>
    /// <param name="maxBytes">Refuses to inflate beyond this many bytes.</param>
    /// <returns>The message.</returns>
    /// <exception cref="InvalidDataException">The data is not valid deflate, or inflates beyond <paramref name="maxBytes"/>.</exception>
    public byte[] Inflate(byte[] compressed, int maxBytes)
    {
        _feed.Append(compressed);
        _feed.Append(Tail);
        using var message = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = _inflate.Read(chunk)) > 0)
        {
            message.Write(chunk, 0, n);
            if (message.Length > maxBytes)
            {
                throw new InvalidDataException($"A compressed message inflated beyond {maxBytes} bytes.");
            }
        }

        return message.ToArray();
    }

    public void Dispose() => _inflate.Dispose();

    /// <summary>A read-only stream of the bytes appended so far; reading past them returns 0 without ending the stream for good.</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Append(byte[] bytes)
        {
            if (bytes.Length > 0)
            {
                _chunks.Enqueue(bytes);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var copied = 0;
            while (copied < buffer.Length && _chunks.Count > 0)
            {
                var head = _chunks.Peek();
                var n = Math.Min(buffer.Length - copied, head.Length - _offset);
                head.AsSpan(_offset, n).CopyTo(buffer[copied..]);
                copied += n;
                _offset += n;
                if (_offset == head.Length)
                {
                    _chunks.Dequeue();
                    _offset = 0;
                }
            }

            return copied;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
