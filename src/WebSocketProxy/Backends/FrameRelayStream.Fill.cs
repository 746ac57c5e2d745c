using System.Buffers;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <content>Reading the leg into the relay's buffer: renting it, compacting it, and the one leave for Kestrel.</content>
internal sealed partial class FrameRelayStream
{
    /// <summary>
    /// Reads more of the leg into the buffer (renting it if the leg was idle), after the whole frames that wait in the
    /// run. Returns <see langword="false"/> at the end of the stream; <see langword="true"/> after a read, or when a
    /// failed write stopped the relay.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_buffer is null)
        {
            // Exactly the configured size (64 KiB by default stays off the large object heap); a frame that does not
            // fit with the head room goes on in pieces.
            _buffer = ArrayPool<byte>.Shared.Rent(_bufferSize);
            _start = _end = HeadRoom;
        }
        else if (_buffer.Length - _end < MinimumRead || _start + _needed > _buffer.Length)
        {
            // Too little room after what is kept: write the run, then move the unfinished frame to the front.
            if (!await FlushRunAsync())
            {
                return true;
            }

            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer.AsSpan(HeadRoom));
            _end -= _start - HeadRoom;
            _start = HeadRoom;
        }
        else if (_start == _end && _runEnd <= _runStart)
        {
            _start = _end = HeadRoom;
        }

        if (_receivesMasked && _inFrame && _frameForward && !Thread.CurrentThread.IsThreadPoolThread)
        {
            // Waiting for the rest of a large client frame on a socket event thread (Kestrel's inline scheduling, which
            // hands over each 4 KiB socket read as it comes): leave it, so Kestrel's receive loop queues more of the frame
            // before this leg reads. On a thread-pool thread Kestrel already reads on while this leg waits.
            await Task.Yield();
        }

        var read = await Inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            await FlushRunAsync();
            return false;
        }

        _end += read;
        _readFilledBlock = read >= KestrelBlock;
        if (_yielded)
        {
            _yielded = false;
            _yieldBackoff = read >= KestrelBlock ? 0 : YieldBackoffReads;
        }
        else if (_yieldBackoff > 0)
        {
            _yieldBackoff--;
        }

        return true;
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null && _passUpCount == 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = _runStart = _runEnd = 0;
        }
    }
}
