using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>WebSocket opcodes (RFC 6455 §5.2).</summary>
public static class Opcode
{
    public const int Continuation = 0x0;
    public const int Text = 0x1;
    public const int Binary = 0x2;
    public const int Close = 0x8;
    public const int Ping = 0x9;
    public const int Pong = 0xA;
}

/// <summary>One frame as it travelled on the wire (unmasked).</summary>
public sealed record RawFrame(bool Fin, int Rsv, int Opcode, byte[] Payload)
{
    /// <summary>Gets the status code of a close frame, or null when it has none.</summary>
    public int? CloseCode => Opcode == Hardening.Opcode.Close && Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : null;

    public override string ToString() => $"{{opcode 0x{Opcode:X}, fin {Fin}, {Payload.Length} bytes{(CloseCode is { } code ? ", close " + code : string.Empty)}}}";
}

/// <summary>Hand-made WebSocket frames and HTTP heads over a raw stream, for peers that misbehave on purpose.</summary>
public static class RawFrames
{
    /// <summary>Encodes one frame; client frames (<paramref name="mask"/>) get a random masking key.</summary>
    public static byte[] Encode(int opcode, ReadOnlySpan<byte> payload, bool fin = true, bool mask = true, int rsv = 0)
    {
        var headerLength = 2 + (payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8) + (mask ? 4 : 0);
        var frame = new byte[headerLength + payload.Length];
        frame[0] = (byte)((fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0xF));
        var offset = 2;
        if (payload.Length < 126)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
            offset += 2;
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
            offset += 8;
        }

        if (!mask)
        {
            payload.CopyTo(frame.AsSpan(offset));
            return frame;
        }

        frame[1] |= 0x80;
        var key = frame.AsSpan(offset, 4);
        RandomNumberGenerator.Fill(key);
        offset += 4;
        for (var i = 0; i < payload.Length; i++)
        {
            frame[offset + i] = (byte)(payload[i] ^ key[i % 4]);
        }

        return frame;
    }

    /// <summary>Encodes a close frame with a status code.</summary>
    public static byte[] Close(int code, bool mask = true)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        return Encode(Opcode.Close, payload, mask: mask);
    }

    /// <summary>Reads one frame (unmasking it when masked); null when the peer closed the connection first.</summary>
    public static async Task<RawFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[2];
        if (!await ReadExactlyOrEofAsync(stream, header, cancellationToken))
        {
            return null;
        }

        var fin = (header[0] & 0x80) != 0;
        var rsv = (header[0] >> 4) & 0x7;
        var opcode = header[0] & 0xF;
        var masked = (header[1] & 0x80) != 0;
        long length = header[1] & 0x7F;
        if (length == 126)
        {
            var extended = new byte[2];
            if (!await ReadExactlyOrEofAsync(stream, extended, cancellationToken))
            {
                return null;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(extended);
        }
        else if (length == 127)
        {
            var extended = new byte[8];
            if (!await ReadExactlyOrEofAsync(stream, extended, cancellationToken))
            {
                return null;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(extended);
        }

        var key = new byte[4];
        if (masked && !await ReadExactlyOrEofAsync(stream, key, cancellationToken))
        {
            return null;
        }

        var payload = new byte[checked((int)length)];
        if (!await ReadExactlyOrEofAsync(stream, payload, cancellationToken))
        {
            return null;
        }

        if (masked)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i % 4];
            }
        }

        return new RawFrame(fin, rsv, opcode, payload);
    }

    /// <summary>Reads an HTTP head byte by byte (so no frame byte after it is consumed), up to and including the blank line.</summary>
    public static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        var text = new StringBuilder();
        while (text.Length < 4 || !(text[^4] == '\r' && text[^3] == '\n' && text[^2] == '\r' && text[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                break;
            }

            text.Append((char)one[0]);
        }

        return text.ToString();
    }

    /// <summary>The status code of an HTTP response head, 0 when there is none.</summary>
    public static int StatusOf(string head)
        => head.Length >= 12 && int.TryParse(head.AsSpan(9, 3), out var status) ? status : 0;

    /// <summary>The values of one header in an HTTP head (case-insensitive name).</summary>
    public static IReadOnlyList<string> HeaderValues(string head, string name)
    {
        var values = new List<string>();
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(line[(colon + 1)..].Trim());
            }
        }

        return values;
    }

    /// <summary>The <c>Sec-WebSocket-Accept</c> answer to a key.</summary>
    public static string AcceptFor(string key)
        => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    private static async Task<bool> ReadExactlyOrEofAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException ex) when (ex.InnerException is SocketException)
        {
            return false; // reset by the peer: as good as closed
        }
    }
}
