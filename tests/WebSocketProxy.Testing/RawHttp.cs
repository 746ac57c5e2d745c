using System.Net.Sockets;
using System.Text;

namespace WebSocketProxy.Testing;

/// <summary>Raw TCP helpers for handshakes no well-behaved client would send.</summary>
public static class RawHttp
{
    /// <summary>The text of a WebSocket upgrade request (fixed key, version 13) for <paramref name="path"/>.</summary>
    /// <param name="port">The server's port, for the <c>Host</c> header.</param>
    /// <param name="path">The request target.</param>
    /// <param name="extraHeaders">Whole header lines (<c>Name: value</c>) to add.</param>
    /// <returns>The request head, ending with the blank line.</returns>
    public static string Upgrade(int port, string path, params string[] extraHeaders)
    {
        var builder = new StringBuilder();
        builder.Append($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        foreach (var header in extraHeaders)
        {
            builder.Append(header).Append("\r\n");
        }

        return builder.Append("\r\n").ToString();
    }

    /// <summary>Reads a response head byte by byte, up to and including the blank line, so no byte after it is consumed.</summary>
    /// <param name="stream">The connection.</param>
    /// <param name="cancellationToken">Bounds the read.</param>
    /// <returns>The head, or what arrived before the peer closed the connection.</returns>
    public static async Task<string> ReadHeadAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var one = new byte[1];
        var text = new StringBuilder();
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                break;
            }

            text.Append((char)one[0]);
        }

        return text.ToString();
    }

    /// <summary>Reads until the peer closes the connection or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="stream">The connection.</param>
    /// <param name="cancellationToken">Ends the read without an exception.</param>
    /// <returns>What arrived (Latin-1), and whether the peer closed.</returns>
    public static async Task<(string Text, bool Closed)> ReadToEndAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[8192];
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return (text.ToString(), true);
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            return (text.ToString(), true);
        }
        catch (OperationCanceledException)
        {
            return (text.ToString(), false);
        }
    }
}
