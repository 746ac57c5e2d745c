using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Messages;

/// <summary>
/// Runs one direction's transformers over each message of a session, within the route's time budget: a transformer
/// that throws or overruns ends the pipeline with a 1011 close and a log line naming it. One per pump.
/// </summary>
/// <remarks>
/// Allocation-free per message: transformers that complete at once cost a loop iteration each; one that has to wait is
/// awaited through a pooled builder and a reusable <see cref="TransformerDeadline"/>.
/// </remarks>
internal sealed partial class MessagePipelineRunner : IDisposable
{
    private static readonly MessageTransformResult Failed = MessageTransformResult.Close(WebSocketCloseStatus.InternalServerError, "Internal error");

    private readonly MessagePipelineStep[] _steps;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly MetricsReporter _metrics;
    private TransformerDeadline? _deadline;

    public MessagePipelineRunner(MessagePipeline pipeline, MessageTransformContext context, TimeProvider timeProvider, ILogger logger, ProxyMetrics metrics)
    {
        Context = context;
        _steps = pipeline.For(context.Direction);
        _timeout = pipeline.Timeout;
        _timeProvider = timeProvider;
        _logger = logger;
        _metrics = new MetricsReporter(metrics, context.Connection.RouteId);
    }

    public MessageTransformContext Context { get; }

    public bool IsEmpty => _steps.Length == 0;

    /// <summary>
    /// Passes the context's message through every transformer. A forward leaves the (possibly changed) message in the
    /// context; anything else is the decision of the transformer that stopped the message.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation when a transformer has to wait
    public async ValueTask<MessageTransformResult> RunAsync(CancellationToken cancellationToken)
    {
        var context = Context;
        var timed = _timeout != Timeout.InfiniteTimeSpan;
        var started = timed ? _timeProvider.GetTimestamp() : 0;
        for (var i = 0; i < _steps.Length; i++)
        {
            var step = _steps[i];
            MessageTransformResult decision;
            try
            {
                var pending = step.Transformer.TransformAsync(context, cancellationToken);
                if (pending.IsCompletedSuccessfully)
                {
                    decision = pending.Result;
                }
                else if (!timed)
                {
                    decision = await pending;
                }
                else
                {
                    var left = _timeout - _timeProvider.GetElapsedTime(started);
                    var deadline = _deadline ??= new TransformerDeadline(_timeProvider);
                    if (left <= TimeSpan.Zero || !await deadline.WaitAsync(pending, left))
                    {
                        Log.TransformerTimedOut(_logger, context.Connection.ConnectionId, context.Connection.RouteId, step.Name, context.Direction, _timeout);
                        _metrics.Failed(step.Name, "timeout");
                        return Failed;
                    }

                    decision = deadline.GetResult();
                }
            }
            catch (Exception ex)
            {
                if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    Log.TransformerCancelled(_logger, context.Connection.ConnectionId, step.Name);
                }
                else
                {
                    Log.TransformerFailed(_logger, context.Connection.ConnectionId, context.Connection.RouteId, step.Name, context.Direction, ex);
                    _metrics.Failed(step.Name, ex.GetType().Name);
                }

                return Failed;
            }

            if (decision.Action != MessageTransformAction.Forward)
            {
                return decision;
            }

            if (!decision.KeepsPayload)
            {
                context.Payload = decision.Payload;
                context.MessageType = decision.MessageType ?? context.MessageType;
            }
        }

        return MessageTransformResult.Forward();
    }

    public void Dispose() => _deadline?.Dispose();

    /// <summary>The failure counter with the route bound once.</summary>
    private readonly struct MetricsReporter(ProxyMetrics metrics, string route)
    {
        public void Failed(string transformer, string errorType) => metrics.TransformerFailed(route, transformer, errorType);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.TransformerFailed, EventName = nameof(EventIds.TransformerFailed), Level = LogLevel.Error, Message = "Session {ConnectionId} on route {Route}: transformer '{Transformer}' failed on a {Direction} message; closing the session with 1011.")]
        public static partial void TransformerFailed(ILogger logger, string connectionId, string route, string transformer, Configuration.MessageDirection direction, Exception exception);

        [LoggerMessage(EventId = EventIds.TransformerTimedOut, EventName = nameof(EventIds.TransformerTimedOut), Level = LogLevel.Error, Message = "Session {ConnectionId} on route {Route}: transformer '{Transformer}' did not finish a {Direction} message within {TransformerTimeout}; closing the session with 1011.")]
        public static partial void TransformerTimedOut(ILogger logger, string connectionId, string route, string transformer, Configuration.MessageDirection direction, TimeSpan transformerTimeout);

        [LoggerMessage(EventId = EventIds.TransformerCancelled, EventName = nameof(EventIds.TransformerCancelled), Level = LogLevel.Debug, Message = "Session {ConnectionId}: transformer '{Transformer}' stopped because the session ended.")]
        public static partial void TransformerCancelled(ILogger logger, string connectionId, string transformer);
    }
}
