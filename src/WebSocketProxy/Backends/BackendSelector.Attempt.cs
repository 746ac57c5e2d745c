using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>One attempt of the selection's retry: pick a backend not tried yet, take its slot, connect it through its breaker.</summary>
internal sealed partial class BackendSelector
{
    private async ValueTask<AttemptOutcome> AttemptAsync(AttemptState state, CancellationToken cancellationToken)
    {
        var connection = state.Connection;
        var cluster = connection.ClusterModel;
        var options = cluster.BackendSettings();
        var remaining = new List<BackendState>(state.Available.Count);
        foreach (var candidate in state.Available)
        {
            if (!state.Tried.Contains(candidate))
            {
                remaining.Add(candidate);
            }
        }

        if (remaining.Count == 0)
        {
            return new AttemptOutcome(state.LastFailure ?? default, TryAnother: false);
        }

        // A connection tied to a backend (affinity) skips the policy, so it does not consume a pick.
        var backend = state.Tied is { } tied && !state.Tried.Contains(tied) ? tied : options.LoadBalancing.PickBackend(connection, remaining);
        if (backend is null)
        {
            return new AttemptOutcome(state.LastFailure ?? default, TryAnother: false);
        }

        state.Tried.Add(backend);
        if (!backend.TryAcquireSlot(options.ConnectionLimit(backend)))
        {
            Log.BackendSkipped(_logger, backend.Id, cluster.Id, "connection limit reached");
            return new AttemptOutcome(default, TryAnother: true);
        }

        var target = BackendUri.Build(backend.Address, state.Context, connection.RouteModel);
        // In panic mode open breakers are bypassed: every backend is unhealthy and each is tried anyway.
        var breaker = state.Panic ? null : backend.HealthState().GetBreaker(options.Passive, _timeProvider);
        var started = _timeProvider.GetTimestamp();
        BackendConnectResult result;
        try
        {
            result = breaker is null
                ? await _connector.ConnectAsync(state.Context, connection.RouteModel, cluster, state.IdentityHeaders, target, backend.HostHeader, cancellationToken)
                : await breaker.ExecuteAsync(
                    static (s, ct) => new ValueTask<BackendConnectResult>(s.Owner._connector.ConnectAsync(s.State.Context, s.State.Connection.RouteModel, s.State.Connection.ClusterModel, s.State.IdentityHeaders, s.Target, s.Host, ct)),
                    (Owner: this, State: state, Target: target, Host: backend.HostHeader),
                    cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            backend.ReleaseSlot();
            Log.BackendSkipped(_logger, backend.Id, cluster.Id, "circuit breaker open");
            return new AttemptOutcome(default, TryAnother: true);
        }
        catch
        {
            backend.ReleaseSlot();
            throw;
        }

        _metrics.BackendConnected(cluster.Id, backend.Id, _timeProvider.GetElapsedTime(started), result.Succeeded ? "success" : result.ErrorType);
        if (result.Succeeded)
        {
            if (state.Panic)
            {
                backend.HealthState().ReportTrialSucceeded();
            }

            state.Chosen = backend;
            return new AttemptOutcome(result, TryAnother: false);
        }

        backend.ReleaseSlot();
        if (ReferenceEquals(backend, state.Tied) && result.CountsAgainstHealth)
        {
            _affinity.Forget(state.Tie!); // set with Tied
        }

        // An expected refusal is one line without a stack trace, and the client's query values never reach the log.
        var redacted = BackendUri.Redact(target);
        Log.BackendConnectFailed(_logger, backend.Id, cluster.Id, redacted, result.ErrorType, result.StatusCode);
        if (result.Error is not null)
        {
            Log.BackendConnectFailureDetail(_logger, backend.Id, redacted, result.Error);
        }

        state.LastFailure = result;
        return new AttemptOutcome(result, TryAnother: result.IsRetryable);
    }

    /// <summary>One attempt's outcome; <see cref="TryAnother"/> asks the retry strategy for the next backend.</summary>
    private readonly record struct AttemptOutcome(BackendConnectResult Result, bool TryAnother);

    private sealed class AttemptState
    {
        public AttemptState(BackendSelector owner, HttpContext context, ProxyConnectionContext connection, List<BackendState> available, KeyValuePair<string, string>[] identityHeaders)
        {
            IdentityHeaders = identityHeaders;
            Owner = owner;
            Context = context;
            Connection = connection;
            Available = available;
        }

        public BackendSelector Owner { get; }

        public HttpContext Context { get; }

        public ProxyConnectionContext Connection { get; }

        public List<BackendState> Available { get; }

        public KeyValuePair<string, string>[] IdentityHeaders { get; }

        public HashSet<BackendState> Tried { get; } = new(ReferenceEqualityComparer.Instance);

        public BackendConnectResult? LastFailure { get; set; }

        public BackendState? Chosen { get; set; }

        public bool Panic { get; init; }

        public AffinityTie? Tie { get; init; }

        public BackendState? Tied { get; init; }
    }
}
