using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace WebSocketProxy.Backends;

/// <summary>
/// The HTTP/1.1 upgrade request of a backend handshake made over a socket the proxy owns: the request line, <c>Host</c>, the
/// upgrade headers with a fresh <c>Sec-WebSocket-Key</c>, the offered subprotocols and extensions, then the headers
/// <see cref="BackendHandshakeHeaders"/> computes (a later value for the same name replaces the earlier one, as
/// <c>ClientWebSocketOptions.SetRequestHeader</c> does).
/// </summary>
internal sealed class BackendHandshakeRequest : IBackendHandshakeHeaderTarget
{
    /// <summary>The offer made when a cluster enables compression: the defaults of <c>WebSocketDeflateOptions</c> (15 window bits, context takeover).</summary>
    public const string DeflateOffer = "permessage-deflate; client_max_window_bits";

    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Uri _target;
    private readonly List<KeyValuePair<string, string>> _headers = new(8);
    private string? _host;

    public BackendHandshakeRequest(Uri target)
    {
        _target = target;
        Span<byte> nonce = stackalloc byte[16];
        RandomNumberGenerator.Fill(nonce);
        Key = Convert.ToBase64String(nonce);
    }

    /// <summary>Gets the <c>Sec-WebSocket-Key</c> of this request.</summary>
    public string Key { get; }

    /// <summary>Gets the subprotocols offered, in order (empty when none).</summary>
    public List<string> SubProtocols { get; } = [];

    /// <summary>Gets or sets whether permessage-deflate is offered.</summary>
    public bool OfferDeflate { get; set; }

    /// <summary>Gets the host the request names: the <c>Host</c> header set on it, else the target's authority.</summary>
    public string Host => _host ??= _target.IsDefaultPort ? _target.IdnHost : _target.IdnHost + ":" + _target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>Sec-WebSocket-Accept</c> value a server must answer to <paramref name="key"/> (RFC 6455 §4.2.2).</summary>
    public static string AcceptFor(string key)
    {
        Span<byte> input = stackalloc byte[64];
        var length = Encoding.ASCII.GetBytes(key + AcceptGuid, input);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..length], hash);
        return Convert.ToBase64String(hash);
    }

    public void SetHeader(string name, string? value)
    {
        value ??= string.Empty;
        if (name.Length == 0 || name.AsSpan().IndexOfAny(":\r\n \t\0") >= 0 || value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException($"The header '{name}' cannot be sent: its name or value holds a delimiter or line break.", nameof(value));
        }

        if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
        {
            _host = value;
            return;
        }

        for (var i = 0; i < _headers.Count; i++)
        {
            if (string.Equals(_headers[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _headers[i] = new(name, value);
                return;
            }
        }

        _headers.Add(new(name, value));
    }

    /// <summary>Writes the request in one write, encoded straight into a pooled buffer.</summary>
    public async ValueTask WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxByteCount());
        try
        {
            var length = Encode(buffer);
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The request's text: request line, headers and the empty line that ends them.</summary>
    public string Format()
    {
        var buffer = new byte[MaxByteCount()];
        return Encoding.UTF8.GetString(buffer, 0, Encode(buffer));
    }

    private int MaxByteCount()
    {
        var chars = 160 + _target.PathAndQuery.Length + Host.Length + Key.Length + DeflateOffer.Length;
        foreach (var protocol in SubProtocols)
        {
            chars += protocol.Length + 2;
        }

        foreach (var (name, value) in _headers)
        {
            chars += name.Length + value.Length + 4;
        }

        return Encoding.UTF8.GetMaxByteCount(chars);
    }

    private int Encode(Span<byte> destination)
    {
        var length = 0;
        Append(destination, ref length, "GET "u8);
        Append(destination, ref length, _target.PathAndQuery);
        Append(destination, ref length, " HTTP/1.1\r\nHost: "u8);
        Append(destination, ref length, Host);
        Append(destination, ref length, "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "u8);
        Append(destination, ref length, Key);
        Append(destination, ref length, "\r\n"u8);
        for (var i = 0; i < SubProtocols.Count; i++)
        {
            Append(destination, ref length, i == 0 ? "Sec-WebSocket-Protocol: "u8 : ", "u8);
            Append(destination, ref length, SubProtocols[i]);
            if (i == SubProtocols.Count - 1)
            {
                Append(destination, ref length, "\r\n"u8);
            }
        }

        if (OfferDeflate)
        {
            Append(destination, ref length, "Sec-WebSocket-Extensions: "u8);
            Append(destination, ref length, DeflateOffer);
            Append(destination, ref length, "\r\n"u8);
        }

        foreach (var (name, value) in _headers)
        {
            Append(destination, ref length, name);
            Append(destination, ref length, ": "u8);
            Append(destination, ref length, value);
            Append(destination, ref length, "\r\n"u8);
        }

        Append(destination, ref length, "\r\n"u8);
        return length;
    }

    private static void Append(Span<byte> destination, ref int length, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[length..]);
        length += bytes.Length;
    }

    private static void Append(Span<byte> destination, ref int length, string text)
        => length += Encoding.UTF8.GetBytes(text, destination[length..]);
}
