using System.Buffers;
using System.Globalization;
using System.Text;

namespace WebSocketProxy.Backends;

/// <summary>
/// The response head of a backend handshake made over a socket the proxy owns: the status and the headers, read up to the
/// empty line that ends them and no further than <see cref="MaxHeadBytes"/>. Interim responses (1xx other than 101) are
/// skipped, as <c>SocketsHttpHandler</c> does. Bytes the backend sent after the head (a first frame) are kept in
/// <see cref="Leftover"/>.
/// </summary>
internal sealed class BackendHandshakeResponse
{
    /// <summary>The largest response head read: <c>SocketsHttpHandler</c>'s default <c>MaxResponseHeadersLength</c> (64 KiB).</summary>
    public const int MaxHeadBytes = 64 * 1024;

    private const int InitialBuffer = 1024;

    /// <summary>Content headers: <c>ClientWebSocket</c> reports only the response's own headers of a refusal, so these never reach the client.</summary>
    private static readonly HashSet<string> ContentHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Allow", "Content-Disposition", "Content-Encoding", "Content-Language", "Content-Length", "Content-Location",
        "Content-MD5", "Content-Range", "Content-Type", "Expires", "Last-Modified",
    };

    private BackendHandshakeResponse(int statusCode, Dictionary<string, List<string>> headers, ReadOnlyMemory<byte> leftover)
    {
        StatusCode = statusCode;
        Headers = headers;
        Leftover = leftover;
    }

    public int StatusCode { get; }

    /// <summary>Gets every header of the response by name (case-insensitive), values in order.</summary>
    public Dictionary<string, List<string>> Headers { get; }

    /// <summary>Gets the bytes read past the response head (a copy; empty in the usual case).</summary>
    public ReadOnlyMemory<byte> Leftover { get; }

    /// <summary>Reads and parses a response head; throws <see cref="BackendHandshakeException"/> when it is malformed, too large or cut short.</summary>
    public static async ValueTask<BackendHandshakeResponse> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var length = 0;
        var start = 0; // where the current head begins
        var scanned = 0; // where the search for its end resumes
        try
        {
            while (true)
            {
                var end = buffer.AsSpan(scanned, length - scanned).IndexOf("\r\n\r\n"u8);
                if (end >= 0)
                {
                    var headEnd = scanned + end + 4;
                    var response = Parse(buffer.AsSpan(start, headEnd - start), buffer.AsMemory(headEnd, length - headEnd));
                    if (response is not null)
                    {
                        return response;
                    }

                    start = scanned = headEnd; // an interim response: the next head follows
                    continue;
                }

                scanned = Math.Max(start, length - 3);
                if (length - start > MaxHeadBytes)
                {
                    throw new BackendHandshakeException($"The backend's response headers exceed {MaxHeadBytes} bytes.");
                }

                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxHeadBytes + 4));
                    buffer.AsSpan(start, length - start).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    length -= start;
                    scanned -= start;
                    start = 0;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    throw new BackendHandshakeException("The backend closed the connection before it answered the handshake.");
                }

                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The headers a refusal reports to the client's rejection (the response's own headers, without content headers).</summary>
    public IReadOnlyDictionary<string, IEnumerable<string>> RefusalHeaders()
    {
        var headers = new Dictionary<string, IEnumerable<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in Headers)
        {
            if (!ContentHeaders.Contains(name))
            {
                headers[name] = values;
            }
        }

        return headers;
    }

    /// <summary>Gets the single value of <paramref name="name"/>, or null when it is absent or repeated.</summary>
    public string? Single(string name) => Headers.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    /// <summary>Parses one head (status line to the empty line); null for an interim 1xx response other than 101.</summary>
    internal static BackendHandshakeResponse? Parse(ReadOnlySpan<byte> head, ReadOnlyMemory<byte> rest)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var status = ParseStatusLine(head[..lineEnd]);
        if (status is >= 100 and < 200 and not 101)
        {
            return null;
        }

        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var remaining = head[(lineEnd + 2)..^2]; // the header lines, each ending with CRLF
        while (!remaining.IsEmpty)
        {
            var end = remaining.IndexOf("\r\n"u8);
            var line = remaining[..end];
            remaining = remaining[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[..colon].IndexOfAny(" \t"u8) >= 0)
            {
                throw new BackendHandshakeException("The backend's response has a malformed header line.");
            }

            var name = Encoding.ASCII.GetString(line[..colon]);
            var value = Encoding.Latin1.GetString(line[(colon + 1)..].Trim(" \t"u8));
            if (!headers.TryGetValue(name, out var values))
            {
                headers[name] = values = new List<string>(1);
            }

            values.Add(value);
        }

        return new BackendHandshakeResponse(status, headers, rest.IsEmpty ? ReadOnlyMemory<byte>.Empty : rest.ToArray());
    }

    /// <summary>Parses <c>HTTP/1.x NNN [reason]</c>; throws for anything else.</summary>
    private static int ParseStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' '
            || (line.Length > 12 && line[12] != (byte)' ')
            || !int.TryParse(line.Slice(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var status) || status < 100)
        {
            throw new BackendHandshakeException("The backend's response has a malformed status line.");
        }

        return status;
    }
}
