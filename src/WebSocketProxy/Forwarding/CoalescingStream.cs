using System.Buffers;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// The client leg's transport. While the backend→client pump has more messages ready, the frames it sends
/// are gathered here and written in one go when the backend has nothing more buffered, so a burst of small
/// messages costs one socket send instead of one per message. Every other write (pings, pongs, close
/// frames) goes out at once, after whatever is gathered, so nothing is reordered or held back.
/// </summary>
/// <remarks>Writes never overlap: a gate serialises the socket's own writes and the pump's flushes.</remarks>
internal sealed class CoalescingStream : WrappingStream
{
    /// <summary>Gathered bytes are written once they reach this size, even if more messages are ready.</summary>
    public const int MaxPending = 32 * 1024;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _pending;
    private int _pendingLength;
    private volatile bool _gathering;

    public CoalescingStream(Stream inner)
        : base(inner)
    {
    }

    /// <summary>Lets the next frame the pump sends be gathered instead of written.</summary>
    public void BeginGather() => _gathering = true;

    public void EndGather() => _gathering = false;

    /// <summary>Writes whatever was gathered.</summary>
    public async ValueTask FlushGatheredAsync()
    {
        if (_pendingLength == 0)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            await WritePendingAsync(default, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_gathering && _pendingLength + buffer.Length <= MaxPending)
            {
                _pending ??= ArrayPool<byte>.Shared.Rent(MaxPending);
                buffer.Span.CopyTo(_pending.AsSpan(_pendingLength));
                _pendingLength += buffer.Length;
                return;
            }

            await WritePendingAsync(buffer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
            var pending = Interlocked.Exchange(ref _pending, null);
            if (pending is not null)
            {
                ArrayPool<byte>.Shared.Return(pending);
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Writes the gathered bytes followed by <paramref name="next"/>, in one write when they fit together. Caller holds the gate.</summary>
    private async ValueTask WritePendingAsync(ReadOnlyMemory<byte> next, CancellationToken cancellationToken)
    {
        if (_pendingLength > 0)
        {
            var pending = _pending!; // non-null whenever _pendingLength > 0
            if (_pendingLength + next.Length <= pending.Length)
            {
                next.Span.CopyTo(pending.AsSpan(_pendingLength));
                var length = _pendingLength + next.Length;
                _pendingLength = 0;
                await Inner.WriteAsync(pending.AsMemory(0, length), cancellationToken);
                return;
            }

            var gathered = _pendingLength;
            _pendingLength = 0;
            await Inner.WriteAsync(pending.AsMemory(0, gathered), cancellationToken);
        }

        if (!next.IsEmpty)
        {
            await Inner.WriteAsync(next, cancellationToken);
        }
    }
}
