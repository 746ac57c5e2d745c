using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Backends;

/// <content>What a data frame must pass before it is forwarded, and how the relay stops when it does not.</content>
internal sealed partial class FrameRelayStream
{
    private static readonly FrameRelayExit InvalidText = new(WebSocketCloseStatus.InvalidPayloadData, "Invalid UTF-8 in a text message", null);

    /// <summary>How a data frame is taken: forwarded, skipped (its message is dropped), or the relay stopped on it.</summary>
    private enum FrameAdmission
    {
        Forward,
        Skip,
        Stopped,
    }

    /// <summary>
    /// Decides about a data frame before anything of it is forwarded: what the WebSocket would reject (1002), the
    /// message size (1009), the message limiter (drop, or 1008). Tracks which message the frame belongs to.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FrameAdmission> AdmitAsync(FrameHeader header, int opcode)
    {
        _observer!.OnActivity();
        if (Violation(header, opcode) is { } protocolError)
        {
            await StopAsync(new FrameRelayExit(WebSocketCloseStatus.ProtocolError, protocolError, null));
            return FrameAdmission.Stopped;
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
            return FrameAdmission.Stopped;
        }

        if (_observer!.WatchesFrames && (messageStart || !_dropping))
        {
            // A limiter may wait (the Delay action): what was gathered goes out first.
            if (!await FlushRunAsync())
            {
                return FrameAdmission.Stopped;
            }

            var verdict = await _observer.OnFrameAsync(messageStart, header.PayloadLength);
            if (verdict == FrameRelayVerdict.Close)
            {
                await StopAsync(new FrameRelayExit(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded", null));
                return FrameAdmission.Stopped;
            }

            _dropping |= verdict == FrameRelayVerdict.Drop;
        }

        return _dropping ? FrameAdmission.Skip : FrameAdmission.Forward;
    }

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
}
