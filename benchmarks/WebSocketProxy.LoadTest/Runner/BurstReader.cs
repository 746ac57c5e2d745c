using System.Net.Sockets;
using System.Net.WebSockets;
using WebSocketProxy.LoadTest.Hosts;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>
/// Reads a burst connection's incoming frames in large reads and hands back one data message at a time (its size);
/// payload bytes are skipped, not copied. Answers pings with pongs; a close frame ends the connection with an error.
/// </summary>
internal sealed class BurstReader
{
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writes;
    private readonly byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;
    private long _remaining; // payload bytes of the current data frame not read yet
    private bool _fin;
    private long _messageBytes;

    public BurstReader(NetworkStream stream, SemaphoreSlim writes)
    {
        _stream = stream;
        _writes = writes;
    }

    /// <summary>Returns the size of the next whole data message.</summary>
    public async ValueTask<long> NextMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, _end - _start);
                _start += take;
                _remaining -= take;
                _messageBytes += take;
                if (_remaining > 0)
                {
                    await FillAsync(cancellationToken);
                    continue;
                }

                if (TryEndFrame(out var size))
                {
                    return size;
                }
            }

            if (!RawFrames.TryParseHeader(_buffer.AsSpan(_start, _end - _start), out var header))
            {
                await FillAsync(cancellationToken);
                continue;
            }

            if (header.Opcode is RawFrames.Ping or RawFrames.Pong or RawFrames.Close)
            {
                if (_end - _start < header.HeaderLength + header.PayloadLength)
                {
                    await FillAsync(cancellationToken);
                    continue;
                }

                var payload = _buffer.AsSpan(_start + header.HeaderLength, (int)header.PayloadLength).ToArray();
                _start += header.HeaderLength + payload.Length;
                if (header.Opcode == RawFrames.Close)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The peer closed the burst connection.");
                }

                if (header.Opcode == RawFrames.Ping)
                {
                    await PongAsync(payload, cancellationToken);
                }

                continue;
            }

            _start += header.HeaderLength;
            _remaining = header.PayloadLength;
            _fin = header.Fin;
            if (_remaining == 0 && TryEndFrame(out var empty))
            {
                return empty;
            }
        }
    }

    private bool TryEndFrame(out long size)
    {
        size = _messageBytes;
        if (!_fin)
        {
            return false;
        }

        _messageBytes = 0;
        return true;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer); // only a header or a control frame is ever kept
            _end -= _start;
            _start = 0;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The burst connection ended.");
        }

        _end += read;
    }

    private async Task PongAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var frame = new byte[14 + payload.Length];
        var header = RawFrames.WriteHeader(frame, fin: true, RawFrames.Pong, payload.Length, 0x1234_5678);
        payload.CopyTo(frame.AsSpan(header));
        RawFrames.Mask(frame.AsSpan(header, payload.Length), 0x1234_5678, 0);
        await _writes.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(frame.AsMemory(0, header + payload.Length), cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }
}
