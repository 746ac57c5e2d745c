using Microsoft.AspNetCore.Http.Features;

namespace WebSocketProxy.LoadTest.Hosts;

/// <summary>
/// The echo behind the <c>burst</c> scenarios (any path ending in <c>/bulk</c>): the WebSocket handshake done by hand on Kestrel's upgrade
/// stream, then every read answered with one write holding the echo of each whole frame it completed (unmasked, same
/// opcode and FIN; a ping gets its pong, a close its close). It costs the load side less per message than a WebSocket
/// echo does, which leaves more of the load core to the client.
/// </summary>
internal static class BulkEchoServer
{
    private const int BufferSize = 256 * 1024; // holds the largest frame a burst sends (64 KiB) several times over

    public static async Task EchoAsync(HttpContext context)
    {
        var key = context.Request.Headers.SecWebSocketKey.ToString();
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } upgrade || key.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.SecWebSocketAccept = RawFrames.Accept(key);
        await using var stream = await upgrade.UpgradeAsync();
        var input = new byte[BufferSize];
        var output = new byte[BufferSize + 16];
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(input.AsMemory(filled), context.RequestAborted);
                if (read == 0)
                {
                    return;
                }

                filled += read;
                var (consumed, written, closed) = EchoFrames(input.AsSpan(0, filled), output);
                if (written > 0)
                {
                    await stream.WriteAsync(output.AsMemory(0, written), context.RequestAborted);
                }

                if (closed)
                {
                    return;
                }

                input.AsSpan(consumed, filled - consumed).CopyTo(input);
                filled -= consumed;
                if (filled == input.Length)
                {
                    throw new InvalidDataException($"A frame larger than {BufferSize} bytes reached the bulk echo.");
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The peer went away.
        }
    }

    /// <summary>Echoes every whole frame of <paramref name="input"/> into <paramref name="output"/>; pongs are dropped.</summary>
    private static (int Consumed, int Written, bool Closed) EchoFrames(Span<byte> input, Span<byte> output)
    {
        var consumed = 0;
        var written = 0;
        while (RawFrames.TryParseHeader(input[consumed..], out var header) && input.Length - consumed - header.HeaderLength >= header.PayloadLength)
        {
            var payload = input.Slice(consumed + header.HeaderLength, (int)header.PayloadLength);
            consumed += header.HeaderLength + payload.Length;
            if (header.Masked)
            {
                RawFrames.Mask(payload, header.MaskKey, 0);
            }

            if (header.Opcode == RawFrames.Pong)
            {
                continue;
            }

            // An echoed frame is never longer than the frame it echoes (no masking key): output, as large as input, holds them all.

            var opcode = header.Opcode == RawFrames.Ping ? RawFrames.Pong : header.Opcode;
            written += RawFrames.WriteHeader(output[written..], header.Fin, opcode, payload.Length, maskKey: null);
            payload.CopyTo(output[written..]);
            written += payload.Length;
            if (header.Opcode == RawFrames.Close)
            {
                return (consumed, written, true);
            }
        }

        return (consumed, written, false);
    }
}
