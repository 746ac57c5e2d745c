using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;
using Yarp.ReverseProxy.Forwarder;

namespace WebSocketProxy.Backends;

/// <summary>
/// Sends the HTTP half of a real-time route (<c>ForwardHttp</c>: negotiate, long polling, server-sent events) to a backend
/// of the route's cluster with YARP's <see cref="IHttpForwarder"/>: the same candidates, affinity and health as the upgrade,
/// the cluster's own invoker and connect timeout. A backend that cannot be connected is reported to its health, its tie
/// dropped, and the request sent to the next backend (nothing of it was sent yet).
/// </summary>
internal sealed partial class BackendHttpForwarder
{
    /// <summary>How long a forwarded request may go without progress: more than a SignalR or Socket.IO long poll holds.</summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(2);

    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = ActivityTimeout };

    private readonly IHttpForwarder _forwarder;
    private readonly BackendSelector _selector;
    private readonly BackendHttpInvokers _invokers;
    private readonly BackendAffinity _affinity;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BackendHttpForwarder> _logger;

    public BackendHttpForwarder(IHttpForwarder forwarder, BackendSelector selector, BackendHttpInvokers invokers, BackendAffinity affinity, TimeProvider timeProvider, ILogger<BackendHttpForwarder> logger)
    {
        _forwarder = forwarder;
        _selector = selector;
        _invokers = invokers;
        _affinity = affinity;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Chooses a backend and forwards the request to it; the forwarder writes the response unless the outcome carries a <see cref="HttpForwardOutcome.Failure"/>.</summary>
    public async Task<HttpForwardOutcome> ForwardAsync(ProxyConnectionContext connection, KeyValuePair<string, string>[] identityHeaders)
    {
        var candidates = await _selector.FindCandidatesAsync(connection);
        if (candidates.Failure is { } failure)
        {
            return new HttpForwardOutcome(failure, null, ForwarderError.None);
        }

        var context = connection.HttpContext;
        var cluster = connection.ClusterModel;
        var options = cluster.BackendSettings();
        var invoker = _invokers.GetForRequests(cluster);
        var tried = new HashSet<BackendState>(ReferenceEqualityComparer.Instance);
        var outcome = new HttpForwardOutcome(
            BackendSelection.Failed(StatusCodes.Status503ServiceUnavailable, RejectionReasons.NoHealthyBackend, $"No healthy backend is available for cluster '{cluster.Id}'.", options.RetryAfter),
            null,
            ForwarderError.None);
        for (var attempt = 0; attempt < Math.Max(1, options.ConnectAttempts); attempt++)
        {
            var backend = Pick(connection, candidates, tried, options);
            if (backend is null)
            {
                break;
            }

            tried.Add(backend);
            var address = BackendRequestTransformer.HttpAddress(backend.Address);
            var target = BackendUri.Build(address, context, connection.RouteModel);
            var transformer = new BackendRequestTransformer(connection, backend, target, identityHeaders, _affinity, candidates.Tie);
            var health = backend.HealthState();
            if (!candidates.Panic)
            {
                health.GetBreaker(options.Passive, _timeProvider); // the breaker is created on first use: create it so this request is counted
            }

            var error = await _forwarder.SendAsync(context, address.ToString(), invoker, RequestConfig, transformer);
            outcome = new HttpForwardOutcome(null, backend, error);
            if (error == ForwarderError.None || transformer.Answered)
            {
                health.ReportRequestOutcome(failed: false);
                return outcome;
            }

            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            if (error is not (ForwarderError.Request or ForwarderError.RequestTimedOut) || context.RequestAborted.IsCancellationRequested)
            {
                return outcome; // the client's side failed, or it went away: says nothing about the backend
            }

            // Unreachable or timed out before answering: the backend is unwell.
            health.ReportRequestOutcome(failed: true);
            if (ReferenceEquals(backend, candidates.Tied))
            {
                _affinity.Forget(candidates.Tie!); // set with Tied
            }

            var redacted = BackendUri.Redact(target);
            Log.HttpForwardFailed(_logger, backend.Id, cluster.Id, redacted, error.ToString(), exception?.Message);
            if (exception is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } || context.Response.HasStarted)
            {
                return outcome; // bytes of the request may have reached the backend: not sent again
            }

            // No connection was made, so nothing of the request was sent: try the next backend on a clean response.
            Log.HttpForwardRetried(_logger, backend.Id, cluster.Id);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
        }

        return outcome;
    }

    private static BackendState? Pick(ProxyConnectionContext connection, BackendCandidates candidates, HashSet<BackendState> tried, ClusterBackendSettings options)
    {
        if (candidates.Tied is { } tied && !tried.Contains(tied))
        {
            return tied; // a tied request skips the policy
        }

        var remaining = new List<BackendState>(candidates.Available.Count);
        foreach (var candidate in candidates.Available)
        {
            if (!tried.Contains(candidate))
            {
                remaining.Add(candidate);
            }
        }

        return remaining.Count == 0 ? null : options.LoadBalancing.PickBackend(connection, remaining);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.HttpForwardFailed, EventName = nameof(EventIds.HttpForwardFailed), Level = LogLevel.Warning, Message = "Backend {Backend} of cluster {Cluster} at {Target} did not answer a forwarded HTTP request: {Error} ({Detail}).")]
        public static partial void HttpForwardFailed(ILogger logger, string backend, string cluster, string target, string error, string? detail);

        [LoggerMessage(EventId = EventIds.HttpForwardRetried, EventName = nameof(EventIds.HttpForwardRetried), Level = LogLevel.Debug, Message = "Backend {Backend} of cluster {Cluster} could not be connected; the HTTP request goes to the next backend.")]
        public static partial void HttpForwardRetried(ILogger logger, string backend, string cluster);
    }
}
