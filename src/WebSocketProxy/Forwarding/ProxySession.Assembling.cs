using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>The assembling pump: each message is received whole (bounded by the route's maximum) and passed through the route's transformers.</summary>
internal sealed partial class ProxySession
{
    private async Task<PumpOutcome> AssembleAsync(SessionLeg source, SessionLeg destination, MessageDirection direction)
    {
        var input = source.Socket;
        var directionTag = ProxyMetrics.DirectionTag(direction);
        var limiter = _limits?.For(direction);
        using var pipeline = new MessagePipelineRunner(_pipeline, new MessageTransformContext(Connection, direction), _timeProvider, _logger, _metrics);
        var context = pipeline.Context;
        Action touch = Touch; // one delegate per pump, not per message
        using var assembler = new MessageAssembler(_route.MaxMessageBytesFor(direction), _bufferSize);
        try
        {
            while (true)
            {
                AssembledMessage message;
                try
                {
                    message = await assembler.ReceiveAsync(input, touch, CancellationToken.None);
                }
                catch (Exception ex) when (IsSocketFailure(ex))
                {
                    return PumpOutcome.SourceFailed(ex);
                }

                if (message.IsClose)
                {
                    return PumpOutcome.SourceClosed(input.CloseStatus, input.CloseStatusDescription);
                }

                if (message.IsTooBig)
                {
                    return PumpOutcome.Violation(WebSocketCloseStatus.MessageTooBig, "Message too big");
                }

                context.MessageType = message.MessageType;
                context.Payload = message.Payload;
                var forward = true;
                if (limiter is not null)
                {
                    var verdict = await limiter.AcquireAsync(messageStart: true, message.Payload.Length, Ended);
                    if (verdict == RateLimitVerdict.Close)
                    {
                        return PumpOutcome.Violation(WebSocketCloseStatus.PolicyViolation, "Message rate exceeded");
                    }

                    if (verdict != RateLimitVerdict.Allowed)
                    {
                        forward = false;
                        _metrics.MessageDropped(_route.Id, direction, "rate_limit");
                        if (verdict == RateLimitVerdict.DropWithNotice && await TrySendAsync(source, MessageLimiter.DropNotice, WebSocketMessageType.Text) is { } failed)
                        {
                            return PumpOutcome.SourceFailed(failed);
                        }
                    }
                }

                if (forward && !pipeline.IsEmpty)
                {
                    var decision = await pipeline.RunAsync(Ended);

                    // Extra messages first, in order, whatever the decision (a transformer may explain a close).
                    for (var i = 0; i < context.OutgoingCount; i++)
                    {
                        var extra = context.GetOutgoing(i);
                        var leg = extra.ToClient ? _client : _backend;
                        if (await TrySendAsync(leg, extra.Payload, extra.MessageType) is { } failed)
                        {
                            return leg == source ? PumpOutcome.SourceFailed(failed) : PumpOutcome.DestinationFailed(failed);
                        }
                    }

                    switch (decision.Action)
                    {
                        case MessageTransformAction.Drop:
                            _metrics.MessageDropped(_route.Id, direction, "transformer");
                            forward = false;
                            break;
                        case MessageTransformAction.Reply:
                            if (await TrySendAsync(source, decision.Payload, decision.MessageType ?? WebSocketMessageType.Text) is { } failed)
                            {
                                return PumpOutcome.SourceFailed(failed);
                            }

                            forward = false;
                            break;
                        case MessageTransformAction.Close:
                            return PumpOutcome.Violation(decision.CloseStatus, decision.CloseReason ?? "Closed by policy");
                    }
                }

                if (forward)
                {
                    if (await TrySendAsync(destination, context.Payload, context.MessageType) is { } failed)
                    {
                        return PumpOutcome.DestinationFailed(failed);
                    }

                    source.CountForwarded(context.Payload.Length);
                    if (_metrics.MessagesEnabled)
                    {
                        _metrics.MessageForwarded(_route.Id, directionTag, context.MessageType, context.Payload.Length);
                    }
                }

                context.Reset(); // the transformers' payload buffers go back to the pool with the message's
                assembler.Release();
            }
        }
        finally
        {
            context.Reset();
        }
    }

    /// <summary>Sends one whole message; returns the socket failure instead of throwing it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation when a send has to wait
    private async ValueTask<Exception?> TrySendAsync(SessionLeg leg, ReadOnlyMemory<byte> payload, WebSocketMessageType messageType)
    {
        try
        {
            await SendAsync(leg, payload, messageType, endOfMessage: true);
            return null;
        }
        catch (Exception ex) when (IsSocketFailure(ex))
        {
            return ex;
        }
    }
}
