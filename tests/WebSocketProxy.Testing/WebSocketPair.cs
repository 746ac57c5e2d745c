using System.IO.Pipelines;
using System.Net.WebSockets;

namespace WebSocketProxy.Testing;

/// <summary>Two WebSockets connected in memory (<see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/> over a duplex stream of two pipes): what one sends the other receives.</summary>
/// <remarks>Keep-alive is off on both sides, so nothing is sent unless a test sends it.</remarks>
public sealed class WebSocketPair : IDisposable
{
    /// <summary>Initializes a new instance of the <see cref="WebSocketPair"/> class.</summary>
    public WebSocketPair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        Server = WebSocket.CreateFromStream(new DuplexStream(toServer.Reader.AsStream(), toClient.Writer.AsStream()), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        Client = WebSocket.CreateFromStream(new DuplexStream(toClient.Reader.AsStream(), toServer.Writer.AsStream()), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
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

    /// <summary>Reads from one pipe and writes to the other.</summary>
    private sealed class DuplexStream(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override void Flush() => output.Flush();

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
