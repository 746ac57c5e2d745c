using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Messages;

/// <summary>
/// Receives whole messages from one socket into a pooled buffer, bounded by a maximum size. While the socket is idle
/// it waits with a zero-byte receive and holds no buffer; a buffer is rented only when data is ready and grows as the
/// message does. Used by the assembling pump and by LLM sessions.
/// </summary>
/// <remarks>One reader at a time. A received payload stays valid until <see cref="Release"/> or the next receive.</remarks>
internal sealed class MessageAssembler : IDisposable
{
    private const int MinFreeSpace = 1024;

    private readonly long _maxMessageBytes;
    private readonly int _initialBufferSize;
    private byte[]? _buffer;

    public MessageAssembler(long maxMessageBytes, int initialBufferSize)
    {
        _maxMessageBytes = maxMessageBytes;
        _initialBufferSize = initialBufferSize;
    }

    /// <summary>Receives the next whole message, a close frame, or the news that the message is over the maximum size.</summary>
    /// <param name="socket">The socket to read.</param>
    /// <param name="onFrame">Called once per data frame received (activity tracking); may be null.</param>
    /// <param name="cancellationToken">Cancels the receive (the socket is then aborted, as with any WebSocket receive).</param>
    /// <exception cref="WebSocketException">The peer broke the protocol or went away.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation when a receive has to wait
    public async ValueTask<AssembledMessage> ReceiveAsync(WebSocket socket, Action? onFrame, CancellationToken cancellationToken)
    {
        Release();
        var length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result;
            if (_buffer is null)
            {
                result = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            }
            else
            {
                if (_buffer.Length - length < MinFreeSpace)
                {
                    Grow(length);
                }

                result = await socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return AssembledMessage.Close;
            }

            if (_buffer is null && result.Count == 0 && !result.EndOfMessage)
            {
                _buffer = ArrayPool<byte>.Shared.Rent(_initialBufferSize); // data is ready: only now hold a buffer
                continue;
            }

            onFrame?.Invoke();
            length += result.Count;
            if (length > _maxMessageBytes)
            {
                return AssembledMessage.TooBig;
            }

            if (result.EndOfMessage)
            {
                return new AssembledMessage(result.MessageType, _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, length));
            }
        }
    }

    /// <summary>Returns the buffer of the last message to the pool; its payload must no longer be used.</summary>
    public void Release()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => Release();

    private void Grow(int length)
    {
        var buffer = _buffer!; // only called while a buffer is held
        var target = (int)Math.Min(Math.Max((long)buffer.Length * 2, length + (long)MinFreeSpace), Math.Min(_maxMessageBytes + MinFreeSpace, Array.MaxLength));
        var larger = ArrayPool<byte>.Shared.Rent(target);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        _buffer = larger;
    }
}
