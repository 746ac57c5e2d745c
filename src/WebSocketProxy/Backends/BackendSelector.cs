using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Polly.Retry;
using Polly.Timeout;
using Polly;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Picks and connects a backend for one connection: filters out draining, unhealthy (active probe or open
/// breaker) and full backends, lets the load-balancing policy choose, and fails over to another backend on an
/// unreachable or timed-out connect — a Polly.Core pipeline (overall deadline → retry with jitter), each
/// attempt through the backend's circuit breaker.
/// </summary>
internal sealed partial class BackendSelector
{
    private static readonly ConditionalWeakTable<ClusterBackendSettings, ResiliencePipeline<AttemptOutcome>> Pipelines = new();

    /// <summary>The same pipelines without the retry: what one candidate gets, since a retry could only find nothing left to try.</summary>
    private static readonly ConditionalWeakTable<ClusterBackendSettings, ResiliencePipeline<AttemptOutcome>> SingleCandidatePipelines = new();

    private readonly BackendConnector _connector;
    private readonly ResolvedBackends _resolved;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BackendSelector> _logger;
    private readonly BackendAffinity _affinity;

    public BackendSelector(BackendConnector connector, ResolvedBackends resolved, BackendAffinity affinity, ProxyMetrics metrics, TimeProvider timeProvider, ILogger<BackendSelector> logger)
    {
        _connector = connector;
        _affinity = affinity;
        _resolved = resolved;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Resolves the cluster's backends, picks one and connects it, failing over as configured.</summary>
    /// <param name="connection">The connection being set up.</param>
    /// <param name="identityHeaders">The identity headers the admission collected for the backend handshake.</param>
    public async Task<BackendSelection> ConnectAsync(ProxyConnectionContext connection, KeyValuePair<string, string>[] identityHeaders)
    {
        var context = connection.HttpContext;
        var cluster = connection.ClusterModel;
        var options = cluster.BackendSettings();
        var candidates = await FindCandidatesAsync(connection);
        if (candidates.Failure is { } failure)
        {
            return failure;
        }

        var available = candidates.Available;
        var panic = candidates.Panic;
        var state = new AttemptState(this, context, connection, available, identityHeaders) { Panic = panic, Tie = candidates.Tie, Tied = candidates.Tied };
        // One candidate (a tied backend is one of the available ones): a retry would only find every backend tried.
        var pipeline = available.Count == 1
            ? SingleCandidatePipelines.GetValue(options, o => BuildPipeline(o, _timeProvider, retry: false))
            : Pipelines.GetValue(options, o => BuildPipeline(o, _timeProvider, retry: true));
        AttemptOutcome outcome;
        try
        {
            outcome = await pipeline.ExecuteAsync(static (s, ct) => s.Owner.AttemptAsync(s, ct), state, context.RequestAborted);
        }
        catch (TimeoutRejectedException)
        {
            Log.DeadlineExceeded(_logger, cluster.Id, options.ConnectDeadline, state.Tried.Count);
            return BackendSelection.Failed(StatusCodes.Status504GatewayTimeout, RejectionReasons.BackendTimeout, "No backend completed the WebSocket handshake within the connect deadline.");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return BackendSelection.ClientGone();
        }

        if (outcome.Result is { Succeeded: true } connected && state.Chosen is not null)
        {
            return BackendSelection.Connected(connected.Socket!, connected.Relay, state.Chosen);
        }

        if (state.LastFailure is not { } last)
        {
            // Nothing was tried for real: every pick was full, broken or refused by the policy.
            return BackendSelection.Failed(StatusCodes.Status503ServiceUnavailable, RejectionReasons.NoHealthyBackend, $"No healthy backend is available for cluster '{cluster.Id}'.", options.RetryAfter);
        }

        var text = last.ErrorType switch
        {
            RejectionReasons.BackendTimeout => "The backend did not complete the WebSocket handshake in time.",
            RejectionReasons.BackendRefused => $"The backend refused the WebSocket handshake with {last.StatusCode}.",
            RejectionReasons.BackendInvalidHandshake => "The backend answered the WebSocket handshake incorrectly.",
            _ => "The backend could not be reached.",
        };
        return BackendSelection.Failed(last.StatusCode, last.ErrorType, text, responseHeaders: last.ResponseHeaders);
    }

    private List<BackendState> Filter(IReadOnlyList<BackendState> candidates, ClusterBackendSettings options, out List<BackendState> unhealthy, out int full)
    {
        var available = new List<BackendState>(candidates.Count);
        unhealthy = [];
        full = 0;
        foreach (var backend in candidates)
        {
            if (options.IsDraining(backend))
            {
                continue;
            }

            if (backend.ConnectionSlots >= options.ConnectionLimit(backend))
            {
                full++;
                continue;
            }

            if (!backend.HealthState().IsAvailable(_timeProvider))
            {
                unhealthy.Add(backend);
                continue;
            }

            available.Add(backend);
        }

        return available;
    }

    private static ResiliencePipeline<AttemptOutcome> BuildPipeline(ClusterBackendSettings options, TimeProvider timeProvider, bool retry)
    {
        var builder = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = timeProvider }
            .AddTimeout(options.ConnectDeadline);
        if (retry && options.ConnectAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<AttemptOutcome>
            {
                MaxRetryAttempts = options.ConnectAttempts - 1,
                Delay = options.ConnectRetryDelay,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = true,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result is { TryAnother: true }),
            });
        }

        return builder.Build();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.BackendConnectFailed, EventName = nameof(EventIds.BackendConnectFailed), Level = LogLevel.Warning, Message = "Backend {Backend} of cluster {Cluster} at {Target} failed the handshake: {ErrorType} ({StatusCode}).")]
        public static partial void BackendConnectFailed(ILogger logger, string backend, string cluster, string target, string errorType, int statusCode);

        [LoggerMessage(EventId = EventIds.BackendConnectFailureDetail, EventName = nameof(EventIds.BackendConnectFailureDetail), Level = LogLevel.Debug, Message = "Backend {Backend} at {Target}: the handshake failure in detail.")]
        public static partial void BackendConnectFailureDetail(ILogger logger, string backend, string target, Exception exception);

        [LoggerMessage(EventId = EventIds.BackendSkipped, EventName = nameof(EventIds.BackendSkipped), Level = LogLevel.Debug, Message = "Backend {Backend} of cluster {Cluster} skipped: {Reason}.")]
        public static partial void BackendSkipped(ILogger logger, string backend, string cluster, string reason);

        [LoggerMessage(EventId = EventIds.NoBackendAvailable, EventName = nameof(EventIds.NoBackendAvailable), Level = LogLevel.Warning, Message = "Cluster {Cluster} has no backend to offer: {ErrorType}.")]
        public static partial void NoBackend(ILogger logger, string cluster, string errorType);

        [LoggerMessage(EventId = EventIds.PanicMode, EventName = nameof(EventIds.PanicMode), Level = LogLevel.Warning, Message = "Every backend of cluster {Cluster} is unhealthy; panic mode tries the {Count} unhealthy ones anyway.")]
        public static partial void PanicMode(ILogger logger, string cluster, int count);

        [LoggerMessage(EventId = EventIds.ResolverFailed, EventName = nameof(EventIds.ResolverFailed), Level = LogLevel.Error, Message = "Backend resolver {Resolver} failed for cluster {Cluster}.")]
        public static partial void ResolverFailed(ILogger logger, string resolver, string cluster, Exception exception);

        [LoggerMessage(EventId = EventIds.AffinityBackendUnavailable, EventName = nameof(EventIds.AffinityBackendUnavailable), Level = LogLevel.Debug, Message = "Route {Route}: the backend the request is tied to is not available in cluster {Cluster}; the tie is dropped and another backend is chosen.")]
        public static partial void AffinityBackendUnavailable(ILogger logger, string route, string cluster);

        [LoggerMessage(EventId = EventIds.ConnectDeadlineExceeded, EventName = nameof(EventIds.ConnectDeadlineExceeded), Level = LogLevel.Warning, Message = "Cluster {Cluster}: no backend connected within the connect deadline {Deadline} ({Tried} tried).")]
        public static partial void DeadlineExceeded(ILogger logger, string cluster, TimeSpan deadline, int tried);
    }
}
