using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <content>Writing to the other leg: runs of whole frames, pieces of a large frame, the send watchdog.</content>
internal sealed partial class FrameRelayStream
{
    /// <summary>Adds whole frames to the run written in one go; a run that is not contiguous with them is written first.</summary>
    private ValueTask<bool> AddToRunAsync(int start, int length)
    {
        if (_runEnd == start && _runEnd > _runStart && _runEnd - _runStart + length <= MaxRun)
        {
            _runEnd += length;
            return ValueTask.FromResult(true);
        }

        return FlushThenStartRunAsync(start, length);
    }

    private async ValueTask<bool> FlushThenStartRunAsync(int start, int length)
    {
        if (!await FlushRunAsync())
        {
            return false;
        }

        _runStart = start;
        _runEnd = start + length;
        return true;
    }

    private ValueTask<bool> FlushRunAsync()
    {
        if (_runEnd <= _runStart)
        {
            return ValueTask.FromResult(true);
        }

        var run = _buffer.AsMemory(_runStart, _runEnd - _runStart);
        _runStart = _runEnd = 0;
        return WriteToPeerAsync(run);
    }

    /// <summary>Sends part of a frame's payload as a frame of its own, its header written into the buffer just before it.</summary>
    private ValueTask<bool> SendPieceAsync(int pieceStart, int length)
    {
        var last = length == _frameRemaining;
        var byte0 = _pieceSent ? 0 : _frameByte0 & 0x7F; // the first piece keeps the opcode (and RSV1); the others continue it
        if (last)
        {
            byte0 |= _frameByte0 & 0x80;
        }

        var lengthBytes = length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        var headerLength = 2 + lengthBytes + (_frameMasked ? 4 : 0);
        var header = _buffer.AsSpan(pieceStart - headerLength, headerLength);
        header[0] = (byte)byte0;
        header[1] = (byte)(lengthBytes switch { 0 => length, 2 => 126, _ => 127 });
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
        }
        else if (lengthBytes == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
        }

        if (_frameMasked)
        {
            // Byte i of this piece was masked with key byte (offset + i) % 4: rotate the key to start there.
            header[1] |= 0x80;
            var shift = (int)(_frameOffset & 3) * 8;
            var rotated = shift == 0 ? _frameMask : (_frameMask << shift) | (_frameMask >> (32 - shift));
            BinaryPrimitives.WriteUInt32BigEndian(header[(2 + lengthBytes)..], rotated);
        }

        _pieceSent = true;
        return WriteToPeerAsync(_buffer.AsMemory(pieceStart - headerLength, headerLength + length));
    }

    /// <summary>Writes to the other leg under the session's send watchdog; a failure stops the relay (the destination failed).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteToPeerAsync(ReadOnlyMemory<byte> frames)
    {
        try
        {
            await _observer!.TrackWrite(_peer!.WriteRelayedAsync(frames));
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Stop(new FrameRelayExit(WebSocketCloseStatus.EndpointUnavailable, string.Empty, ex));
            return false;
        }
    }
}
