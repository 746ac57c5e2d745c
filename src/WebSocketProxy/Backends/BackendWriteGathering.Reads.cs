using System.Buffers;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <content>
/// Read buffering for the backend leg (the proxy's own handshake): <c>ManagedWebSocket</c> reads a frame header into its
/// small receive buffer and then the payload, two receive calls per message when they go to the socket. Small reads are
/// therefore served from a pooled buffer of <see cref="ReadBufferSize"/> bytes filled by one receive (what the HTTP
/// connection under a <c>ClientWebSocket</c> did with a buffer of its own), and the buffer goes back to the pool as soon
/// as it is empty. When the last receive did not fill it (the socket is likely drained), the next one first waits with
/// a zero-byte read, so an idle connection holds no buffer. Large reads go straight to the socket, and under TLS every read does (<c>SslStream</c> reads whole records into a buffer of its own).
/// </content>
internal sealed partial class BackendWriteGathering
{
    /// <summary>The size of one buffered receive.</summary>
    public const int ReadBufferSize = 16 * 1024;

    private readonly bool _bufferReads;
    private byte[]? _readBuffer;
    private int _readStart;
    private int _readEnd;
    private bool _lastReceiveFilled;

    /// <summary>Gets whether received bytes wait in the read buffer (for tests).</summary>
    internal bool HasBufferedReads => _readBuffer is not null;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readBuffer is { } buffered)
        {
            var count = Math.Min(buffer.Length, _readEnd - _readStart);
            buffered.AsSpan(_readStart, count).CopyTo(buffer.Span);
            _readStart += count;
            if (_readStart == _readEnd)
            {
                _readBuffer = null;
                ArrayPool<byte>.Shared.Return(buffered);
            }

            return new ValueTask<int>(count);
        }

        return !_bufferReads || buffer.Length == 0 || buffer.Length >= ReadBufferSize
            ? Inner.ReadAsync(buffer, cancellationToken)
            : ReadBufferedAsync(buffer, cancellationToken);
    }

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var count = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, count).CopyTo(buffer);
            return count;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadBufferedAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (!_lastReceiveFilled)
        {
#pragma warning disable CA2022 // a zero-byte read returns nothing: it only waits until data can be read
            await Inner.ReadAsync(Memory<byte>.Empty, cancellationToken); // wait for data without holding a buffer
#pragma warning restore CA2022
        }

        var rented = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        int received;
        try
        {
            received = await Inner.ReadAsync(rented.AsMemory(0, ReadBufferSize), cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }

        _lastReceiveFilled = received == ReadBufferSize;
        var count = Math.Min(received, destination.Length);
        rented.AsSpan(0, count).CopyTo(destination.Span);
        if (count < received)
        {
            _readStart = count;
            _readEnd = received;
            _readBuffer = rented;
        }
        else
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return count;
    }
}
