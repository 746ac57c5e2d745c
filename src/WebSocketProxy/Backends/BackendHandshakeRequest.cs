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
    public string Host => _host ?? (_target.IsDefaultPort ? _target.IdnHost : _target.IdnHost + ":" + _target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

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

    /// <summary>Gets the value set for <paramref name="name"/>, or null.</summary>
    public string? GetHeader(string name)
    {
        if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
        {
            return _host;
        }

        foreach (var (key, value) in _headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Writes the request in one write.</summary>
    public async ValueTask WriteAsync(Stream stream, CancellationToken cancellationToken)
    {
        var text = Format();
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
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
        var builder = new StringBuilder(256);
        builder.Append("GET ").Append(_target.PathAndQuery).Append(" HTTP/1.1\r\n");
        builder.Append("Host: ").Append(Host).Append("\r\n");
        builder.Append("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
        builder.Append("Sec-WebSocket-Key: ").Append(Key).Append("\r\n");
        if (SubProtocols.Count > 0)
        {
            builder.Append("Sec-WebSocket-Protocol: ").Append(string.Join(", ", SubProtocols)).Append("\r\n");
        }

        if (OfferDeflate)
        {
            builder.Append("Sec-WebSocket-Extensions: ").Append(DeflateOffer).Append("\r\n");
        }

        foreach (var (name, value) in _headers)
        {
            builder.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        return builder.Append("\r\n").ToString();
    }
}
