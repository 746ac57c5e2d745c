using System.Buffers;
using System.Net.WebSockets;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>The streaming pump: what a route without transformers runs, and the hot path of the product.</summary>
internal sealed partial class ProxySession
{
    /// <summary>The streaming path: frames are forwarded as they arrive, with their type and end-of-message flag; nothing is assembled.</summary>
    private async Task<PumpOutcome> StreamAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        var input = source.Socket;
        var maxMessageBytes = _route.MaxMessageBytesFor(direction);
        var directionTag = ProxyMetrics.DirectionTag(direction);
        var gather = _coalesce && direction == MessageDirection.BackendToClient ? _clientTransport as CoalescingStream : null;
        var limiter = _limits?.For(direction);
        var midMessage = false;
        var inspector = direction == MessageDirection.ClientToBackend ? _inspector : null;
        var chargedFrames = 0;
        var dropping = false;
        byte[]? buffer = null;
        var betweenMessages = false;
        long messageBytes = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                var probing = buffer is null || betweenMessages;
                try
                {
                    ValueTask<ValueWebSocketReceiveResult> receive;
                    if (probing)
                    {
                        // Between messages a zero-byte receive tells whether more is ready. If it has to wait, the
                        // session is idle: it holds no buffer while waiting. If it completes at once, the buffer is kept.
                        receive = input.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                        if (buffer is not null && !receive.IsCompleted)
                        {
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = null;
                        }

                        betweenMessages = false;
                    }
                    else
                    {
                        receive = input.ReceiveAsync(buffer!.AsMemory(), CancellationToken.None); // not probing: a buffer is held
                    }

                    if (gather is not null && !receive.IsCompleted)
                    {
                        // Nothing more is ready from the backend: send what was gathered before waiting.
                        await gather.FlushGatheredAsync();
                    }

                    result = await receive;
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.SourceFailed(ex);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return PumpOutcome.SourceClosed(input.CloseStatus, input.CloseStatusDescription);
                }

                if (probing && result.Count == 0 && !result.EndOfMessage)
                {
                    buffer ??= ArrayPool<byte>.Shared.Rent(_bufferSize);
                    continue;
                }

                Touch();
                var messageStart = !midMessage;
                midMessage = !result.EndOfMessage;
                messageBytes += result.Count;
                if (messageBytes > maxMessageBytes)
                {
                    return PumpOutcome.Violation(WebSocketCloseStatus.MessageTooBig, "Message too big");
                }

                if (limiter is not null)
                {
                    // Only routes with message rate limits get here; the Delay action waits inside, not reading the sender.
                    if (messageStart)
                    {
                        dropping = false;
                        chargedFrames = 1;
                        var verdict = await limiter.AcquireAsync(messageStart: true, result.Count, Ended);
                        if (verdict == RateLimitVerdict.Close)
                        {
                            return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                        }

                        if (verdict != RateLimitVerdict.Allowed)
                        {
                            dropping = true;
                            _metrics.MessageDropped(_route.Id, direction, "rate_limit");
                        }
                    }
                    else if (!dropping && await limiter.AcquireAsync(messageStart: false, result.Count, Ended) == RateLimitVerdict.Close)
                    {
                        return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                    }

                    // Frames beyond the first count as messages: many tiny fragments cost what many messages cost.
                    if (inspector is not null && !dropping && inspector.FramesInMessage > chargedFrames)
                    {
                        var frames = inspector.FramesInMessage;
                        var extra = frames - chargedFrames;
                        chargedFrames = frames;
                        if (await limiter.ChargeFramesAsync(extra, Ended) == RateLimitVerdict.Close)
                        {
                            return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                        }
                    }

                    if (dropping)
                    {
                        if (result.EndOfMessage)
                        {
                            messageBytes = 0;
                            betweenMessages = true;
                        }

                        continue;
                    }
                }

                try
                {
                    gather?.BeginGather();
                    await SendAsync(destination, buffer is null ? ReadOnlyMemory<byte>.Empty : buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage);
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.DestinationFailed(ex);
                }
                finally
                {
                    gather?.EndGather();
                }

                if (result.EndOfMessage)
                {
                    if (_metrics.MessagesEnabled)
                    {
                        _metrics.MessageForwarded(_route.Id, directionTag, result.MessageType, messageBytes);
                    }

                    messageBytes = 0;
                    betweenMessages = true;
                }
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
