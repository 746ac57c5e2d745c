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
        var context = new MessageTransformContext(Connection, direction);
        var transformers = _pipeline.Transformers;
        Action touch = Touch; // one delegate per pump, not per message
        using var assembler = new MessageAssembler(_route.MaxMessageBytesFor(direction), _bufferSize);
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
            var messageType = message.MessageType;
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

            for (var i = 0; forward && i < transformers.Length; i++)
            {
                var decision = await transformers[i].TransformAsync(context, Ended);
                switch (decision.Action)
                {
                    case MessageTransformAction.Forward:
                        if (!decision.KeepsPayload)
                        {
                            context.Payload = decision.Payload;
                            context.MessageType = messageType = decision.MessageType ?? messageType;
                        }

                        continue;
                    case MessageTransformAction.Drop:
                        _metrics.MessageDropped(_route.Id, direction, "transformer");
                        break;
                    case MessageTransformAction.Reply:
                        if (await TrySendAsync(source, decision.Payload, decision.MessageType ?? WebSocketMessageType.Text) is { } failed)
                        {
                            return PumpOutcome.SourceFailed(failed);
                        }

                        break;
                    case MessageTransformAction.Close:
                        return PumpOutcome.Violation(decision.CloseStatus, decision.CloseReason ?? "Closed by policy");
                }

                forward = false;
                break;
            }

            if (forward)
            {
                if (await TrySendAsync(destination, context.Payload, messageType) is { } failed)
                {
                    return PumpOutcome.DestinationFailed(failed);
                }

                source.CountForwarded(context.Payload.Length);
                if (_metrics.MessagesEnabled)
                {
                    _metrics.MessageForwarded(_route.Id, directionTag, messageType, context.Payload.Length);
                }
            }

            context.Payload = default;
            assembler.Release();
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
