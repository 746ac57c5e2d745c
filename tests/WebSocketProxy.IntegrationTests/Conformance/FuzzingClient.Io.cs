using System.Buffers.Binary;
using System.Net.Sockets;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>Writing frames and the background read loop.</summary>
internal sealed partial class FuzzingClient
{
    /// <summary>Writes one frame exactly as described.</summary>
    /// <param name="opcode">The opcode, reserved ones included.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="fin">The FIN bit.</param>
    /// <param name="rsv">The RSV bits.</param>
    /// <param name="chop">When above 0, the frame's bytes are written in pieces of this size, one socket write each.</param>
    /// <returns>A task that completes when written (or when the connection is gone: writes to a closed peer are ignored, as in Autobahn).</returns>
    public Task SendFrameAsync(int opcode, byte[] payload, bool fin = true, int rsv = 0, int chop = 0) =>
        SendRawAsync(WireFrame.Encode(opcode, payload, fin, rsv), chop);

    /// <summary>Writes bytes as they are, optionally in chops of <paramref name="chop"/> bytes (one socket write each).</summary>
    /// <param name="bytes">Frames (or parts of frames) already encoded.</param>
    /// <param name="chop">The piece size; 0 for one write.</param>
    /// <returns>A task that completes when written or the connection is gone.</returns>
    public async Task SendRawAsync(byte[] bytes, int chop = 0)
    {
        try
        {
            await _writeLock.WaitAsync(_readCancel.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (chop <= 0)
            {
                await _stream.WriteAsync(bytes, _readCancel.Token);
                return;
            }

            for (var offset = 0; offset < bytes.Length; offset += chop)
            {
                await _stream.WriteAsync(bytes.AsMemory(offset, Math.Min(chop, bytes.Length - offset)), _readCancel.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // the server failed the connection while we were writing: what it sent is in the record
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends a message: compressed (RSV1 on the first frame) when permessage-deflate was agreed, split into frames of <paramref name="fragmentSize"/> when above 0.</summary>
    /// <param name="payload">The message.</param>
    /// <param name="binary">Binary (true) or text (false).</param>
    /// <param name="fragmentSize">Autobahn's <c>autoFragmentSize</c>; 0 for one frame.</param>
    /// <returns>A task that completes when written.</returns>
    public Task SendMessageAsync(byte[] payload, bool binary, int fragmentSize = 0)
    {
        var compress = _deflater is not null && Deflate!.ClientCanCompress; // Deflate is set whenever _deflater is
        var data = compress ? _deflater!.Compress(payload) : payload;
        var opcode = binary ? Opcode.Binary : Opcode.Text;
        if (fragmentSize <= 0 || data.Length <= fragmentSize)
        {
            return SendFrameAsync(opcode, data, rsv: compress ? 4 : 0);
        }

        using var frames = new MemoryStream();
        for (var offset = 0; offset < data.Length; offset += fragmentSize)
        {
            var last = offset + fragmentSize >= data.Length;
            var first = offset == 0;
            frames.Write(WireFrame.Encode(first ? opcode : Opcode.Continuation, data.AsSpan(offset, Math.Min(fragmentSize, data.Length - offset)), last, first && compress ? 4 : 0));
        }

        return SendRawAsync(frames.ToArray());
    }

    /// <summary>Sends a close frame with <paramref name="code"/> and <paramref name="reason"/> (raw bytes, possibly invalid on purpose).</summary>
    /// <param name="code">The code, or null for an empty close payload.</param>
    /// <param name="reason">The reason bytes.</param>
    /// <returns>A task that completes when written.</returns>
    public Task SendCloseAsync(int? code, byte[]? reason = null)
    {
        MarkCloseSent();
        return SendFrameAsync(Opcode.Close, WireFrame.ClosePayload(code, reason));
    }

    /// <summary>Records that the client sends a close frame now (for scripts that write a malformed close themselves).</summary>
    public void MarkCloseSent() => Changed(() =>
    {
        if (!CloseSent && !CloseReceived)
        {
            ClosedByMe = true;
        }

        CloseSent = true;
    });

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        var messageOpcode = -1;
        var compressed = false;
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var frame = await _reader.ReadAsync(MaxMessageBytes, _readCancel.Token);
                if (frame is null)
                {
                    Changed(() => EndReason ??= "TCP closed by server");
                    break;
                }

                var violation = Violation(frame);
                if (violation is not null)
                {
                    Changed(() => ServerViolation ??= violation);
                    break;
                }

                switch (frame.Opcode)
                {
                    case Opcode.Text or Opcode.Binary when messageOpcode < 0:
                        messageOpcode = frame.Opcode;
                        compressed = frame.Rsv == 4;
                        message.SetLength(0);
                        message.Write(frame.Payload);
                        break;
                    case Opcode.Continuation when messageOpcode >= 0:
                        message.Write(frame.Payload);
                        break;
                    case Opcode.Ping:
                        Changed(() => _received.Add(CaseEvent.Ping(frame.Payload)));
                        if (!CloseSent)
                        {
                            await SendFrameAsync(Opcode.Pong, frame.Payload);
                        }

                        continue;
                    case Opcode.Pong:
                        Changed(() => _received.Add(CaseEvent.Pong(frame.Payload)));
                        continue;
                    case Opcode.Close:
                        await OnCloseFrameAsync(frame.Payload);
                        continue;
                    default:
                        violation ??= $"the server sent opcode {frame.Opcode} out of sequence";
                        break;
                }

                if (message.Length > MaxMessageBytes)
                {
                    violation ??= $"the server sent a message over {MaxMessageBytes} bytes";
                }

                if (violation is not null)
                {
                    Changed(() => ServerViolation ??= violation);
                    break;
                }

                if (frame.Fin)
                {
                    var payload = message.ToArray();
                    if (compressed)
                    {
                        payload = _inflater!.Inflate(payload, MaxMessageBytes); // RSV1 was only allowed with an agreement
                    }

                    var binary = messageOpcode == Opcode.Binary;
                    Changed(() => _received.Add(CaseEvent.Message(payload, binary)));
                    messageOpcode = -1;
                }
            }
        }
        catch (InvalidDataException ex)
        {
            Changed(() => ServerViolation ??= ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            var reason = DroppedByMe ? "TCP dropped by client" : ex is OperationCanceledException ? "case timed out" : $"TCP reset ({ex.GetType().Name})";
            Changed(() => EndReason ??= reason);
        }

        Changed(() => Ended = true);
    }

    /// <summary>What is wrong with a frame from the server on its own (masking, RSV bits, control frame rules), or null.</summary>
    private string? Violation(WireFrame frame)
    {
        if (frame.Masked)
        {
            return "the server masked a frame";
        }

        var rsvAllowed = frame.Rsv == 4 && Deflate is not null && frame.Opcode is Opcode.Text or Opcode.Binary;
        if (frame.Rsv != 0 && !rsvAllowed)
        {
            return $"the server set RSV bits {frame.Rsv} on opcode {frame.Opcode}";
        }

        if (frame.Opcode >= Opcode.Close && (!frame.Fin || frame.Payload.Length > 125))
        {
            return $"the server sent a fragmented or oversized control frame (opcode {frame.Opcode}, {frame.Payload.Length} B)";
        }

        return null;
    }

    private async Task OnCloseFrameAsync(byte[] payload)
    {
        var reply = false;
        Changed(() =>
        {
            if (!CloseReceived)
            {
                CloseReceived = true;
                RemoteCloseCode = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : null;
                RemoteCloseReason = payload.Length > 2 ? payload[2..] : [];
                reply = !CloseSent;
                CloseSent = true;
            }
        });
        if (reply)
        {
            // the reply echoes the server's code when it is one a client may send, like Autobahn's protocol does
            var code = RemoteCloseCode is >= 1000 and < 5000 and not (1004 or 1005 or 1006 or 1015) ? RemoteCloseCode : 1000;
            await SendFrameAsync(Opcode.Close, WireFrame.ClosePayload(payload.Length >= 2 ? code : null));
        }
    }
}
