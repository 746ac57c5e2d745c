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
                // The rest of a frame whose header came in an earlier read: it goes on as a piece of its own, once the
                // piece is worth a write. A source that hands over every few kilobytes (Kestrel with inline scheduling
                // passes on each socket read) would otherwise cut a large frame into a frame per read.
                var available = (int)Math.Min(_frameRemaining, _end - _start);
                if (_frameForward && available < _frameRemaining && available < MaxRun && buffer.Length - _end >= MinimumRead)
                {
                    _needed = 0;
                    return false;
                }

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
                _passUpClose = opcode == 0x8;
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

            var admission = Exit is null ? await AdmitAsync(header, opcode) : FrameAdmission.Skip;
            if (admission == FrameAdmission.Stopped)
            {
                return true;
            }

            var forward = admission == FrameAdmission.Forward;

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
}
