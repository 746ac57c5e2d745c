using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <summary>
/// The transport under one leg's WebSocket that, once <see cref="Start"/>ed, forwards the leg's data frames to the other
/// leg as they are on the wire: header bytes and payload bytes are copied from the read buffer to the other leg's
/// socket, never unmasked, re-masked, assembled or re-encoded. Client frames keep the client's masking key (the backend
/// unmasks them as it would the proxy's own); backend frames are unmasked, as a client expects them. A frame larger
/// than the buffer is sent on in pieces, each a frame of its own with a header written into the buffer in front of it
/// (the masking key rotated to the piece's offset), so the payload is still never touched; a piece waits for more of its
/// frame until it holds 64 KiB or the buffer is nearly full, so small reads do not become small frames.
/// </summary>
/// <remarks>
/// <para>The leg's own WebSocket stays on top and keeps everything that is not data: the relay hands it each control
/// frame (ping, pong, close) exactly as received, so it answers pings, records the peer's close and sends the proxy's
/// own close frames, keep-alive pings and pongs. Its writes and the relay's are serialised by a gate at frame
/// granularity; once it has written a close frame, the relay sends nothing more on that leg.</para>
/// <para>The relay checks what the WebSocket would have checked of a data frame (reserved bits, opcodes, masking,
/// fragmentation order) and what the route limits (message size, message rate through <see cref="IFrameRelayObserver"/>).
/// When it must stop (a broken rule, a destination that failed) it records <see cref="Exit"/> and hands the WebSocket an
/// empty binary frame, so the pump's receive returns and the session closes both legs as usual; after that it discards
/// data frames and still passes control frames up, so the close handshake completes. Idle, it holds no buffer: it waits
/// with a zero-byte read and rents one only when bytes are ready.</para>
/// </remarks>
internal sealed partial class FrameRelayStream : WrappingStream
{
    /// <summary>The longest frame header: a read leaves this much room in front of its bytes for a piece's header.</summary>
    private const int HeadRoom = 14;

    /// <summary>A read into less room than this writes the run and compacts the buffer first.</summary>
    private const int MinimumRead = 4096;

    /// <summary>What Kestrel's socket transport receives at most per system call (one block of its memory pool).</summary>
    private const int KestrelBlock = 4096;

    /// <summary>Reads without a leave for Kestrel after one that did not pay (see <c>RelayReadAsync</c>).</summary>
    private const int YieldBackoffReads = 64;

    /// <summary>
    /// A run is written once it would pass this size, even if the leg has more ready, and a piece of a large frame waits
    /// for this much of it while the buffer has room: with the default buffer, what one read brought leaves in one write.
    /// 16 KiB (the size <c>BackendWriteGathering</c> gathers up to) cost a burst of small frames four sends per read and
    /// 1.5× YARP's CPU per message (benchmarks/README.md, "burst").
    /// </summary>
    private const int MaxRun = 64 * 1024;

    private static readonly byte[] ExitFrameMasked = [0x82, 0x80, 0, 0, 0, 0];
    private static readonly byte[] ExitFrameUnmasked = [0x82, 0x00];

    private readonly bool _receivesMasked;
    private SemaphoreSlim? _writeGate;
    private FrameRelayStream? _peer;
    private IFrameRelayObserver? _observer;
    private int _bufferSize;
    private long _maxMessageBytes;
    private bool _closeWritten;
    private bool _endOfStream;
    private bool _readFilledBlock;
    private bool _yielded;
    private int _yieldBackoff;

    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _runStart;
    private int _runEnd;

    private byte[]? _passUp;
    private int _passUpOffset;
    private int _passUpCount;
    private bool _passUpClose;

    /// <param name="inner">The leg's transport.</param>
    /// <param name="receivesMaskedFrames">Whether the peer of this leg is a client, whose frames arrive masked.</param>
    public FrameRelayStream(Stream inner, bool receivesMaskedFrames)
        : base(inner)
    {
        _receivesMasked = receivesMaskedFrames;
    }

    /// <summary>Gets why the relay stopped forwarding; null while it forwards (or was never started).</summary>
    public FrameRelayExit? Exit { get; private set; }

    /// <summary>Gets whether the relay forwards this leg's data frames.</summary>
    public bool IsRelaying => _observer is not null;

    /// <summary>Gets whether the relay holds a pooled read buffer (between bursts and after the close frame it holds none).</summary>
    internal bool HoldsBuffer => _buffer is not null;

    /// <summary>
    /// Starts forwarding this leg's data frames to <paramref name="peer"/>. Called before the leg's WebSocket receives
    /// anything; <paramref name="peer"/> must be started too (its gate orders the two writers on it).
    /// </summary>
    public void Start(FrameRelayStream peer, IFrameRelayObserver observer, long maxMessageBytes, int bufferSize)
    {
        _writeGate = new SemaphoreSlim(1, 1);
        _peer = peer;
        _maxMessageBytes = maxMessageBytes;
        _bufferSize = Math.Max(bufferSize, 1024);
        _observer = observer;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _observer is null ? Inner.ReadAsync(buffer, cancellationToken) : RelayReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        => _writeGate is null ? Inner.WriteAsync(buffer, cancellationToken) : WriteGatedAsync(buffer, relayed: false, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Writes frames relayed from the other leg, unless this leg's WebSocket has already sent its close frame.</summary>
    private ValueTask WriteRelayedAsync(ReadOnlyMemory<byte> frames) => WriteGatedAsync(frames, relayed: true, CancellationToken.None);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteGatedAsync(ReadOnlyMemory<byte> bytes, bool relayed, CancellationToken cancellationToken)
    {
        await _writeGate!.WaitAsync(cancellationToken);
        try
        {
            if (relayed)
            {
                if (_closeWritten)
                {
                    throw new WebSocketException(WebSocketError.InvalidState, "A close frame was already sent on this leg.");
                }
            }
            else if (!bytes.IsEmpty && (bytes.Span[0] & 0x0F) == 0x08)
            {
                _closeWritten = true; // the WebSocket writes each frame in one write: this one is its close frame
            }

            await Inner.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The WebSocket's read: forwards data frames until a control frame (or the relay's exit) is there to hand up.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> RelayReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (_passUpCount > 0)
                {
                    if (destination.IsEmpty)
                    {
                        return 0; // a zero-byte read: bytes are ready
                    }

                    var count = Math.Min(_passUpCount, destination.Length);
                    _passUp.AsSpan(_passUpOffset, count).CopyTo(destination.Span);
                    _passUpOffset += count;
                    _passUpCount -= count;
                    if (_passUpCount == 0 && _passUpClose)
                    {
                        // The close frame is up: nothing after it is relayed, and a WebSocket that received its peer's close
                        // may never read again — the buffer goes back to the pool now, not with the stream's garbage.
                        _passUpClose = false;
                        ReturnBuffer(); // and with it whatever followed the close frame in the buffer
                    }

                    return count;
                }

                if (_endOfStream)
                {
                    return 0;
                }

                if (_start < _end && await ForwardAsync())
                {
                    continue;
                }

                // Client→backend, whole frames wait in the run while the client has more ready (its transport is
                // Kestrel's pipe: asking costs no system call), so a burst leaves in one send, as on the streaming path.
                // Backend→client, what one read brought goes out at once (asking would cost a system call per read,
                // and holding the echo back halved streaming throughput in the load test).
                if (!_receivesMasked && !await FlushRunAsync())
                {
                    continue; // the destination failed: the exit frame goes up
                }

                if (_receivesMasked && _readFilledBlock && _yieldBackoff == 0 && _runEnd > _runStart && !Thread.CurrentThread.IsThreadPoolThread)
                {
                    // On a socket event thread (Kestrel's inline scheduling) the client leg reads inside Kestrel's receive
                    // loop, which takes one 4 KiB block per receive: a read that got a whole block suggests the socket holds
                    // more of a burst. Leave once, so Kestrel queues it, and the run goes out in one send, not one per block.
                    // A leave that did not gather another block is not tried again for a while (FillAsync): for a client
                    // that trickles, the hop to the thread pool costs more than the sends it saves.
                    _readFilledBlock = false;
                    _yielded = true;
                    await Task.Yield();
                }

                if (_buffer is null || _start == _end || _runEnd > _runStart)
                {
                    // Between bursts: wait with a zero-byte read and, if it has to wait, without a buffer. Awaited here,
                    // not in a nested method, so an idle leg holds this one state machine and nothing else.
                    var probe = Inner.ReadAsync(Memory<byte>.Empty, cancellationToken);
                    if (!probe.IsCompleted)
                    {
                        if (!await FlushRunAsync())
                        {
                            continue;
                        }

                        if (_start == _end)
                        {
                            ReturnBuffer();
                        }
                    }

                    await probe;
                }

                if (!await FillAsync(cancellationToken))
                {
                    _endOfStream = true;
                    ReturnBuffer();
                }
            }
        }
        catch
        {
            ReturnBuffer();
            throw;
        }
    }

    /// <summary>Stops forwarding: records why and hands the WebSocket an empty binary frame so its receive returns.</summary>
    private void Stop(FrameRelayExit exit)
    {
        if (Exit is not null)
        {
            return;
        }

        Exit = exit;
        _runStart = _runEnd = 0;
        _frameForward = false;
        _passUp = _receivesMasked ? ExitFrameMasked : ExitFrameUnmasked;
        _passUpOffset = 0;
        _passUpCount = _passUp.Length;
    }
}
