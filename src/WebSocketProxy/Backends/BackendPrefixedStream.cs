namespace WebSocketProxy.Backends;

/// <summary>
/// A backend stream whose first reads return the bytes the handshake read past the response head (a frame the backend
/// sent right after its 101). Used only when there were such bytes; writes and disposal go to the inner stream.
/// </summary>
internal sealed class BackendPrefixedStream : WrappingStream
{
    private ReadOnlyMemory<byte> _prefix;

    public BackendPrefixedStream(Stream inner, ReadOnlyMemory<byte> prefix)
        : base(inner)
    {
        _prefix = prefix;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix.IsEmpty || buffer.IsEmpty)
        {
            return _prefix.IsEmpty ? Inner.ReadAsync(buffer, cancellationToken) : new ValueTask<int>(0);
        }

        return new ValueTask<int>(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty)
        {
            return Inner.Read(buffer);
        }

        var count = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..count].CopyTo(buffer);
        _prefix = _prefix[count..];
        return count;
    }

}
