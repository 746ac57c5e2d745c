using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <content>Frame by frame: parsing headers, gathering whole frames into one write, sending large frames in pieces.</content>
internal sealed partial class FrameRelayStream
{
    private bool _inFrame;
    private int _needed;
    private bool _frameForward;
    private bool _pieceSent;
    private byte _frameByte0;
    private bool _frameMasked;
    private uint _frameMask;
    private long _frameRemaining;
    private long _frameOffset;

    private bool _inMessage;
    private bool _messageText;
    private bool _dropping;
    private long _messageBytes;

    /// <summary>
    /// Forwards what the buffer holds. Returns <see langword="true"/> when bytes wait to be handed to the WebSocket (a
    /// control frame, or the exit frame); <see langword="false"/> when everything usable was taken (whole frames may wait in the run) and more must be read.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync()
    {
        var buffer = _buffer!;
        while (_start < _end)
        {
            if (_passUpCount > 0)
            {
                return true; // the relay stopped: the exit frame goes up first
            }

            if (_inFrame)
            {
                // The rest of a frame whose header came in an earlier read: it goes on as a piece of its own.
                var available = (int)Math.Min(_frameRemaining, _end - _start);
                var pieceStart = _start;
                _start += available;
                if (_frameForward)
                {
                    _observer!.OnActivity();
                    if (_messageText && !IsValidText(buffer.AsSpan(pieceStart, available), _frameOffset, available == _frameRemaining && (_frameByte0 & 0x80) != 0))
                    {
                        _frameForward = false;
                        await StopAsync(InvalidText);
                    }
                }

                var sent = !_frameForward || await SendPieceAsync(pieceStart, available);
                _frameRemaining -= available;
                _frameOffset += available;
                if (_frameRemaining == 0)
                {
                    EndFrame();
                }

                if (!sent)
                {
                    return true;
                }

                continue;
            }

            if (!TryParseHeader(buffer.AsSpan(_start, _end - _start), out var header))
            {
                _needed = HeadRoom; // the header is cut by the end of the read
                return false;
            }

            var opcode = header.Byte0 & 0x0F;
            if (opcode >= 0x8)
            {
                // A control frame: the WebSocket handles it (and rejects a malformed one; a long one by its header).
                var length = header.PayloadLength is >= 0 and <= 125 ? header.Length + (int)header.PayloadLength : header.Length;
                if (_end - _start < length)
                {
                    _needed = length;
                    return false;
                }

                if (!await FlushRunAsync())
                {
                    return true;
                }

                _passUp = buffer;
                _passUpOffset = _start;
                _passUpCount = length;
                _start += length;
                return true;
            }

            if (header.PayloadLength >= 0 && _end - _start - header.Length < header.PayloadLength && header.Length + header.PayloadLength <= buffer.Length - HeadRoom)
            {
                // The rest of the frame fits in the buffer: wait for it, so frames go on whole (as the WebSocket would
                // have forwarded them) instead of cut where a read happened to end.
                _needed = header.Length + (int)header.PayloadLength;
                return false;
            }

            var forward = Exit is null;
            if (forward)
            {
                _observer!.OnActivity();
                if (Violation(header, opcode) is { } protocolError)
                {
                    await StopAsync(new FrameRelayExit(WebSocketCloseStatus.ProtocolError, protocolError, null));
                    return true;
                }

                var messageStart = opcode != 0;
                if (messageStart)
                {
                    _inMessage = true;
                    _messageText = opcode == 1;
                    _messageBytes = 0;
                    _dropping = false;
                    _utf8CarryLength = 0;
                }

                _messageBytes += header.PayloadLength;
                if (_messageBytes > _maxMessageBytes)
                {
                    await StopAsync(new FrameRelayExit(WebSocketCloseStatus.MessageTooBig, "Message too big", null));
                    return true;
                }

                if (_observer!.WatchesFrames && (messageStart || !_dropping))
                {
                    // A limiter may wait (the Delay action): what was gathered goes out first.
                    if (!await FlushRunAsync())
                    {
                        return true;
                    }

                    var verdict = await _observer.OnFrameAsync(messageStart, header.PayloadLength);
                    if (verdict == FrameRelayVerdict.Close)
                    {
                        await StopAsync(new FrameRelayExit(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded", null));
                        return true;
                    }

                    _dropping |= verdict == FrameRelayVerdict.Drop;
                }

                forward = !_dropping;
            }

            _inFrame = true;
            _frameForward = forward;
            _pieceSent = false;
            _frameByte0 = header.Byte0;
            _frameMasked = header.Masked;
            _frameMask = header.Mask;
            _frameRemaining = header.PayloadLength;
            _frameOffset = 0;
            if (_end - _start - header.Length >= header.PayloadLength)
            {
                // The whole frame is here: it joins the run of frames written together, as it is.
                var frameStart = _start;
                var frameLength = header.Length + (int)header.PayloadLength;
                _start += frameLength;
                _frameRemaining = 0;
                if (forward && _messageText && !IsValidText(buffer.AsSpan(frameStart + header.Length, (int)header.PayloadLength), 0, (header.Byte0 & 0x80) != 0))
                {
                    _inFrame = false;
                    await StopAsync(InvalidText);
                    return true;
                }

                EndFrame();
                if (forward && !await AddToRunAsync(frameStart, frameLength))
                {
                    return true;
                }

                continue;
            }

            // A frame larger than the buffer: the original header is consumed, the payload goes on in pieces.
            _start += header.Length;
            if (forward && !await FlushRunAsync())
            {
                return true;
            }
        }

        _needed = 0;
        return false; // the run waits: FillAsync writes it when the leg has nothing more ready
    }

    private static readonly FrameRelayExit InvalidText = new(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in a text message", null);

    /// <summary>Stops for a rule the source broke: the frames gathered before the offending one are written first, nothing after it.</summary>
    private async ValueTask StopAsync(FrameRelayExit exit)
    {
        if (await FlushRunAsync())
        {
            Stop(exit);
        }
    }

    /// <summary>What <c>ManagedWebSocket</c> would reject in a data frame header (1002), checked before anything of it is forwarded.</summary>
    private string? Violation(in FrameHeader header, int opcode)
    {
        if ((header.Byte0 & 0x70) != 0)
        {
            return "Reserved bits set";
        }

        if (opcode > 2)
        {
            return "Unknown opcode";
        }

        if (header.PayloadLength < 0)
        {
            return "Invalid payload length";
        }

        if (header.Masked != _receivesMasked)
        {
            return _receivesMasked ? "Unmasked client frame" : "Masked frame from the server";
        }

        if (opcode == 0 && !_inMessage)
        {
            return "Continuation frame without a message";
        }

        return opcode != 0 && _inMessage ? "New message before the last one ended" : null;
    }

    private void EndFrame()
    {
        _inFrame = false;
        if ((_frameByte0 & 0x80) == 0 || Exit is not null)
        {
            return;
        }

        _inMessage = false;
        if (!_dropping)
        {
            _observer!.OnMessageForwarded(_messageText ? WebSocketMessageType.Text : WebSocketMessageType.Binary, _messageBytes);
        }

        _messageBytes = 0;
    }

    /// <summary>Adds whole frames to the run written in one go; a run that is not contiguous with them is written first.</summary>
    private ValueTask<bool> AddToRunAsync(int start, int length)
    {
        if (_runEnd == start && _runEnd > _runStart && _runEnd - _runStart + length <= MaxRun)
        {
            _runEnd += length;
            return ValueTask.FromResult(true);
        }

        return FlushThenStartRunAsync(start, length);
    }

    private async ValueTask<bool> FlushThenStartRunAsync(int start, int length)
    {
        if (!await FlushRunAsync())
        {
            return false;
        }

        _runStart = start;
        _runEnd = start + length;
        return true;
    }

    private ValueTask<bool> FlushRunAsync()
    {
        if (_runEnd <= _runStart)
        {
            return ValueTask.FromResult(true);
        }

        var run = _buffer.AsMemory(_runStart, _runEnd - _runStart);
        _runStart = _runEnd = 0;
        return WriteToPeerAsync(run);
    }

    /// <summary>Sends part of a frame's payload as a frame of its own, its header written into the buffer just before it.</summary>
    private ValueTask<bool> SendPieceAsync(int pieceStart, int length)
    {
        var last = length == _frameRemaining;
        var byte0 = _pieceSent ? 0 : _frameByte0 & 0x7F; // the first piece keeps the opcode (and RSV1); the others continue it
        if (last)
        {
            byte0 |= _frameByte0 & 0x80;
        }

        var lengthBytes = length <= 125 ? 0 : length <= ushort.MaxValue ? 2 : 8;
        var headerLength = 2 + lengthBytes + (_frameMasked ? 4 : 0);
        var header = _buffer.AsSpan(pieceStart - headerLength, headerLength);
        header[0] = (byte)byte0;
        header[1] = (byte)(lengthBytes switch { 0 => length, 2 => 126, _ => 127 });
        if (lengthBytes == 2)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
        }
        else if (lengthBytes == 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
        }

        if (_frameMasked)
        {
            // Byte i of this piece was masked with key byte (offset + i) % 4: rotate the key to start there.
            header[1] |= 0x80;
            var shift = (int)(_frameOffset & 3) * 8;
            var rotated = shift == 0 ? _frameMask : (_frameMask << shift) | (_frameMask >> (32 - shift));
            BinaryPrimitives.WriteUInt32BigEndian(header[(2 + lengthBytes)..], rotated);
        }

        _pieceSent = true;
        return WriteToPeerAsync(_buffer.AsMemory(pieceStart - headerLength, headerLength + length));
    }

    /// <summary>Writes to the other leg under the session's send watchdog; a failure stops the relay (the destination failed).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteToPeerAsync(ReadOnlyMemory<byte> frames)
    {
        try
        {
            await _observer!.TrackWrite(_peer!.WriteRelayedAsync(frames));
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Stop(new FrameRelayExit(WebSocketCloseStatus.EndpointUnavailable, string.Empty, ex));
            return false;
        }
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> data, out FrameHeader header)
    {
        header = default;
        if (data.Length < 2)
        {
            return false;
        }

        long payloadLength = data[1] & 0x7F;
        var length = 2;
        if (payloadLength == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            length = 4;
        }
        else if (payloadLength == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadInt64BigEndian(data[2..]); // negative when the top bit is set: rejected
            length = 10;
        }

        var masked = (data[1] & 0x80) != 0;
        uint mask = 0;
        if (masked)
        {
            if (data.Length < length + 4)
            {
                return false;
            }

            mask = BinaryPrimitives.ReadUInt32BigEndian(data[length..]);
            length += 4;
        }

        header = new FrameHeader(data[0], length, payloadLength, masked, mask);
        return true;
    }

    private readonly record struct FrameHeader(byte Byte0, int Length, long PayloadLength, bool Masked, uint Mask);
}
