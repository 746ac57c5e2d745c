using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace WebSocketProxy.Testing;

/// <summary>Two WebSockets connected by in-memory pipes: <see cref="Server"/> and <see cref="Client"/>.</summary>
/// <remarks>
/// Like a TCP connection, the pair tells a graceful end from a reset: a socket disposed after (or without) a close
/// handshake ends its stream the way a FIN does, while a socket that is <see cref="WebSocket.Abort"/>ed (by its owner
/// or by the WebSocket after a failure) resets the connection: bytes the peer has not read yet are lost, and the
/// peer's next read or write fails at once.
/// </remarks>
public sealed class WebSocketPair : IDisposable
{
    /// <summary>Initializes a new instance of the <see cref="WebSocketPair"/> class.</summary>
    public WebSocketPair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var serverStream = new DuplexStream(toServer.Reader, toClient.Writer);
        var clientStream = new DuplexStream(toClient.Reader, toServer.Writer);
        Server = WebSocket.CreateFromStream(serverStream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        Client = WebSocket.CreateFromStream(clientStream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        serverStream.Owner = Server;
        clientStream.Owner = Client;
    }

    /// <summary>Gets the server side (receives masked frames, sends unmasked ones).</summary>
    public WebSocket Server { get; }

    /// <summary>Gets the client side (sends masked frames).</summary>
    public WebSocket Client { get; }

    /// <summary>Disposes both sides.</summary>
    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }

    private sealed class DuplexStream : Stream
    {
        private readonly PipeReader _reader;
        private readonly PipeWriter _writer;
        private readonly Stream _output;
        private int _disposed;

        public DuplexStream(PipeReader reader, PipeWriter writer)
        {
            _reader = reader;
            _writer = writer;
            _output = writer.AsStream();
        }

        /// <summary>Gets or sets the socket over this stream, whose state at disposal tells a reset from a graceful end.</summary>
        public WebSocket? Owner { get; set; }

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ReadResult result;
            try
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                result = await _reader.ReadAsync(cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                // The reader was completed by Dispose while this read was pending.
                throw new IOException("The connection was closed locally.", ex);
            }

            if (result.IsCanceled)
            {
                // Woken by Dispose: a read pending on a socket that is torn down fails, as on a network stream.
                throw new IOException("The connection was closed locally.");
            }

            var data = result.Buffer;
            var count = (int)Math.Min(data.Length, buffer.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            _reader.AdvanceTo(data.GetPosition(count));
            return count; // 0 only at the end of the stream (or for a zero-byte read)
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

        public override void Flush() => _output.Flush();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                // A reset (the socket was aborted) completes both pipes with an error: the peer's reads throw even
                // before the bytes it has not read yet, and its writes throw too, as after a TCP RST. Otherwise the
                // peer reads to the end of what was sent and then the end of the stream, as after a FIN.
                var reset = Owner?.State == WebSocketState.Aborted ? new IOException("The connection was reset by the peer.") : null;
                _reader.CancelPendingRead();
                _reader.Complete(reset);
                _writer.Complete(reset);
            }

            base.Dispose(disposing);
        }
    }
}
