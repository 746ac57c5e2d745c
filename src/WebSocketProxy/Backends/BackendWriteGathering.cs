using System.Buffers;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <summary>
/// The transport under an HTTP/1.1 backend connection (opened by <see cref="BackendTransport"/>). While the
/// client→backend pump has more client messages ready, the frames it sends are gathered here and written in one socket
/// send when the client has nothing more buffered, so a burst of small messages costs one send instead of one per
/// message. Every other write (the handshake, pings, pongs, close frames, TLS records of those) goes out at once, after
/// whatever is gathered, so nothing is reordered or held back.
/// </summary>
/// <remarks>
/// Reads: see <c>BackendWriteGathering.Reads.cs</c> (small reads are served from a pooled buffer held only while it has bytes).
/// The pump asks for gathering around the synchronous part of one <c>SendAsync</c> (<see cref="BeginRequest"/> /
/// <see cref="EndRequest"/>, thread-static): <c>ManagedWebSocket</c>, <c>SslStream</c> and the handler's upgraded
/// connection stream reach this stream's <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> synchronously when
/// nothing else is writing, and a write that happens later, on another thread, is simply not gathered. The pump then
/// owns the flush (<see cref="FlushGatheredAsync"/>) before it waits for the client. Writes never overlap: a gate
/// serialises the socket's writes and the pump's flushes.
/// </remarks>
internal sealed partial class BackendWriteGathering : WrappingStream
{
    /// <summary>Gathered bytes are written once they would pass this size, even if more messages are ready.</summary>
    public const int MaxPending = 16 * 1024;

    [ThreadStatic]
    private static bool t_requested;

    [ThreadStatic]
    private static BackendWriteGathering? t_gatheredBy;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _pending;
    private int _pendingLength;

    /// <param name="inner">The socket's stream.</param>
    /// <param name="bufferReads">Whether small reads are served from a pooled receive buffer (not under TLS: <c>SslStream</c> buffers its own reads).</param>
    public BackendWriteGathering(Stream inner, bool bufferReads = true)
        : base(inner)
    {
        _bufferReads = bufferReads;
    }

    /// <summary>Gets whether gathered bytes wait for <see cref="FlushGatheredAsync"/>.</summary>
    public bool HasPending => Volatile.Read(ref _pendingLength) > 0;

    /// <summary>Lets the next write on this thread, if it happens before <see cref="EndRequest"/>, be gathered.</summary>
    public static void BeginRequest()
    {
        t_requested = true;
        t_gatheredBy = null;
    }

    /// <summary>Ends the request and returns the stream that gathered a write during it, if any.</summary>
    public static BackendWriteGathering? EndRequest()
    {
        t_requested = false;
        var gatheredBy = t_gatheredBy;
        t_gatheredBy = null;
        return gatheredBy;
    }

    /// <summary>Writes whatever was gathered.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask FlushGatheredAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await WritePendingAsync(ReadOnlyMemory<byte>.Empty, CancellationToken.None);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_gate.Wait(0))
        {
            return WriteAfterGateAsync(buffer, cancellationToken);
        }

        var release = true;
        try
        {
            if (t_requested && (t_gatheredBy is null || t_gatheredBy == this) && _pendingLength + buffer.Length <= MaxPending)
            {
                _pending ??= ArrayPool<byte>.Shared.Rent(MaxPending);
                buffer.Span.CopyTo(_pending.AsSpan(_pendingLength));
                Volatile.Write(ref _pendingLength, _pendingLength + buffer.Length);
                t_gatheredBy = this;
                return default;
            }

            var write = WritePendingAsync(buffer, cancellationToken);
            if (write.IsCompletedSuccessfully)
            {
                write.GetAwaiter().GetResult();
                return default;
            }

            release = false;
            return ReleaseAfterAsync(write);
        }
        finally
        {
            if (release)
            {
                _gate.Release();
            }
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
            _readBuffer = null; // a read may be copying out of it: left to the GC, never returned in use

            // An abort can dispose while the pump gathers into the buffer: then the buffer is left to the GC, never returned in use.
            if (_gate.Wait(0))
            {
                var pending = Interlocked.Exchange(ref _pending, null);
                _pendingLength = 0;
                _gate.Release(); // later writes reach the disposed transport and fail
                if (pending is not null)
                {
                    ArrayPool<byte>.Shared.Return(pending);
                }
            }
        }

        base.Dispose(disposing);
    }


    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterGateAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await WritePendingAsync(buffer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReleaseAfterAsync(ValueTask write)
    {
        try
        {
            await write;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes the gathered bytes followed by <paramref name="next"/>, in one write when they fit together; the buffer goes back to the pool. Caller holds the gate.</summary>
    private ValueTask WritePendingAsync(ReadOnlyMemory<byte> next, CancellationToken cancellationToken)
    {
        if (_pendingLength == 0)
        {
            return next.IsEmpty ? default : Inner.WriteAsync(next, cancellationToken);
        }

        return WriteGatheredAsync(next, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteGatheredAsync(ReadOnlyMemory<byte> next, CancellationToken cancellationToken)
    {
        var pending = _pending!; // non-null whenever _pendingLength > 0
        var length = _pendingLength;
        Volatile.Write(ref _pendingLength, 0);
        _pending = null;
        try
        {
            if (length + next.Length <= pending.Length)
            {
                next.Span.CopyTo(pending.AsSpan(length));
                await Inner.WriteAsync(pending.AsMemory(0, length + next.Length), cancellationToken);
                return;
            }

            await Inner.WriteAsync(pending.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pending);
        }

        if (!next.IsEmpty)
        {
            await Inner.WriteAsync(next, cancellationToken);
        }
    }
}
