using System.Runtime.CompilerServices;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// The client's raw transport, read through a frame-header scanner: it counts the frames of each message and the
/// control frames per second a client sends, and sees the client's close frame arrive. It never copies or changes a
/// byte: payloads are skipped by their length, so the cost is per frame, not per byte.
/// </summary>
/// <remarks>
/// A client over a limit (a fragment flood, a ping flood the socket would answer without limit) is reported once to
/// <see cref="OnViolation"/>; the session then closes it with 1008. Reads come from one reader at a time (the WebSocket).
/// </remarks>
internal sealed class ClientFrameInspector : WrappingStream
{
    private const int MaxHeaderLength = 14;

    private readonly TimeProvider _timeProvider;
    private readonly byte[] _header = new byte[MaxHeaderLength];
    private int _maxFramesPerMessage = int.MaxValue;
    private double _controlRate = double.PositiveInfinity;
    private int _headerLength;
    private long _payloadRemaining;
    private bool _payloadIsClose;
    private int _framesInMessage;
    private double _controlTokens;
    private long _controlRefilledAt;
    private int _violated;

    public ClientFrameInspector(Stream inner, TimeProvider timeProvider)
        : base(inner)
    {
        _timeProvider = timeProvider;
    }

    /// <summary>Gets or sets what to do when the client breaks a limit; called at most once, with the close reason.</summary>
    public Action<string>? OnViolation { get; set; }

    /// <summary>Gets how many frames the client's current (or last) message has been split into so far.</summary>
    public int FramesInMessage => Volatile.Read(ref _framesInMessage);

    /// <summary>Gets whether the client's close frame has been read in full.</summary>
    public bool CloseFrameReceived { get; private set; }

    /// <summary>Sets the route's limits; called before the client's first frame is read.</summary>
    public void SetLimits(int maxFramesPerMessage, int maxControlFramesPerSecond)
    {
        _maxFramesPerMessage = maxFramesPerMessage;
        _controlRate = maxControlFramesPerSecond;
        _controlTokens = maxControlFramesPerSecond;
        _controlRefilledAt = _timeProvider.GetTimestamp();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return Inner.ReadAsync(buffer, cancellationToken); // the wait for bytes: nothing to scan, and no state machine per message
        }

        var pending = Inner.ReadAsync(buffer, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var read = pending.Result;
            Scan(buffer.Span[..read]);
            return ValueTask.FromResult(read);
        }

        return ScanAfterAsync(pending, buffer);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ScanAfterAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending;
        Scan(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = Inner.Read(buffer, offset, count);
        Scan(buffer.AsSpan(offset, read));
        return read;
    }


    /// <summary>Walks the frame headers in the bytes just read, skipping payloads by their length.</summary>
    private void Scan(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_payloadRemaining > 0)
            {
                var skip = (int)Math.Min(_payloadRemaining, data.Length);
                _payloadRemaining -= skip;
                data = data[skip..];
                if (_payloadRemaining == 0 && _payloadIsClose)
                {
                    CloseFrameReceived = true;
                }

                continue;
            }

            // Gather the header: 2 bytes, then the extended length and the mask key they announce.
            var needed = _headerLength < 2 ? 2 : HeaderLength(_header);
            var take = Math.Min(needed - _headerLength, data.Length);
            data[..take].CopyTo(_header.AsSpan(_headerLength));
            _headerLength += take;
            data = data[take..];
            if (_headerLength < needed || (needed == 2 && HeaderLength(_header) > 2))
            {
                continue; // more header bytes to come (or the 2-byte prefix announced a longer header)
            }

            OnFrame();
        }
    }

    private static int HeaderLength(ReadOnlySpan<byte> header)
    {
        var length = (header[1] & 0x7F) switch
        {
            126 => 4,
            127 => 10,
            _ => 2,
        };
        return (header[1] & 0x80) != 0 ? length + 4 : length;
    }

    private void OnFrame()
    {
        var header = _header.AsSpan(0, _headerLength);
        var opcode = header[0] & 0x0F;
        var payload = (header[1] & 0x7F) switch
        {
            126 => (long)((header[2] << 8) | header[3]),
            127 => (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header[2..10]) & long.MaxValue),
            var small => small,
        };
        _headerLength = 0;
        _payloadRemaining = payload;
        _payloadIsClose = opcode == 0x8;
        if (_payloadIsClose && payload == 0)
        {
            CloseFrameReceived = true;
        }

        if (opcode >= 0x8)
        {
            CountControlFrame();
            return;
        }

        // A data frame: opcode 0 continues the current message, 1 (text) and 2 (binary) start a new one.
        _framesInMessage = opcode == 0 ? _framesInMessage + 1 : 1;
        if (_framesInMessage > _maxFramesPerMessage)
        {
            Violate("Too many frames in one message");
        }
    }

    private void CountControlFrame()
    {
        if (double.IsPositiveInfinity(_controlRate))
        {
            return;
        }

        var now = _timeProvider.GetTimestamp();
        var elapsed = _timeProvider.GetElapsedTime(_controlRefilledAt, now).TotalSeconds;
        _controlRefilledAt = now;
        _controlTokens = Math.Min(_controlRate, _controlTokens + (elapsed * _controlRate));
        if (_controlTokens < 1)
        {
            Violate("Too many control frames");
            return;
        }

        _controlTokens--;
    }

    private void Violate(string reason)
    {
        if (Interlocked.Exchange(ref _violated, 1) == 0)
        {
            OnViolation?.Invoke(reason);
        }
    }
}
