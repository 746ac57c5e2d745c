using System.Buffers;

namespace WebSocketProxy.Messages;

/// <summary>A pooled buffer a transformer writes a new payload into (<see cref="MessageTransformContext.CreatePayloadWriter"/>).</summary>
/// <remarks>
/// Owned by the session: what is written stays valid until the message has been sent, then the buffer goes back to the
/// pool, so a transformer can build a changed payload without allocating. Not thread-safe; do not keep a reference to it
/// after the call returns.
/// </remarks>
public sealed class MessagePayloadWriter : IBufferWriter<byte>
{
    private const int MinimumSize = 256;

    private byte[]? _buffer;
    private int _written;

    internal MessagePayloadWriter()
    {
    }

    /// <summary>Gets the bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, _written);

    /// <summary>Gets the bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer is null ? [] : _buffer.AsSpan(0, _written);

    /// <summary>Gets the number of bytes written so far.</summary>
    public int WrittenCount => _written;

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_buffer is null || _written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Cannot advance past the end of the buffer.");
        }

        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Copies <paramref name="bytes"/> to the end of the written data.</summary>
    /// <param name="bytes">The bytes to append.</param>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    /// <summary>Returns the buffer to the pool; the writer can be used again.</summary>
    internal void Reset()
    {
        _written = 0;
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, MinimumSize));
            return;
        }

        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var target = (int)Math.Min(Math.Max((long)_buffer.Length * 2, (long)_written + needed), Array.MaxLength);
        if (target - _written < needed)
        {
            throw new OutOfMemoryException("The payload is too large for one buffer.");
        }

        var larger = ArrayPool<byte>.Shared.Rent(target);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
