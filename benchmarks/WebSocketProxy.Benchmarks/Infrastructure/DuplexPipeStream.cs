using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Benchmarks.Infrastructure;

/// <summary>
/// One end of an in-memory duplex connection: reads from one <see cref="Pipe"/>, writes to another.
/// Reads and writes allocate nothing in steady state (pipe segments are pooled, async paths use pooled builders),
/// so whatever a benchmark allocates is the WebSocket's or the proxy's own.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;

    public DuplexPipeStream(PipeReader reader, PipeWriter writer)
    {
        _reader = reader;
        _writer = writer;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Creates two connected ends: what one writes, the other reads.</summary>
    public static (DuplexPipeStream A, DuplexPipeStream B) CreatePair()
    {
        // Pause at 1 MiB so a whole large frame can be in flight, like a socket's send buffer plus the peer's receive buffer.
        var options = new PipeOptions(pool: BlockPool.Instance, readerScheduler: PooledThreadPoolScheduler.Instance, writerScheduler: PooledThreadPoolScheduler.Instance, pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: 16 * 1024, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new DuplexPipeStream(bToA.Reader, aToB.Writer), new DuplexPipeStream(aToB.Reader, bToA.Writer));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_reader.TryRead(out var result))
        {
            return ValueTask.FromResult(Consume(result, buffer.Span));
        }

        return ReadSlowAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = _writer.WriteAsync(buffer, cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            _ = flush.Result;
            return default;
        }

        return AwaitFlushAsync(flush);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _reader.Complete();
            _writer.Complete();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _reader.ReadAsync(cancellationToken);
        return Consume(result, buffer.Span);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => await flush;

    /// <summary>Copies what fits; a zero-byte read consumes nothing and only signals that data is there.</summary>
    private int Consume(ReadResult result, Span<byte> destination)
    {
        var data = result.Buffer;
        if (data.IsEmpty && result.IsCompleted)
        {
            _reader.AdvanceTo(data.End);
            return 0;
        }

        var count = (int)Math.Min(data.Length, destination.Length);
        var consumed = data.Slice(0, count);
        consumed.CopyTo(destination);
        _reader.AdvanceTo(consumed.End);
        return count;
    }
}
