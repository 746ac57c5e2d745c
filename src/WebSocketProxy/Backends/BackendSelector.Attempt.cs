using Microsoft.AspNetCore.Http;
using Polly.CircuitBreaker;
using WebSocketProxy.Diagnostics;
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
            return AttemptOutcome.GiveUp;
        }

        // A connection tied to a backend (affinity) skips the policy, so it does not consume a pick.
        var backend = state.Tied is { } tied && !state.Tried.Contains(tied) ? tied : options.LoadBalancing.PickBackend(connection, remaining);
        if (backend is null)
        {
            return AttemptOutcome.GiveUp;
        }

        state.Tried.Add(backend);
        if (!backend.TryAcquireSlot(options.ConnectionLimit(backend)))
        {
            Log.BackendSkipped(_logger, backend.Id, cluster.Id, "connection limit reached");
            return AttemptOutcome.Skip;
        }

        var target = BackendUri.Build(backend.Address, state.Context, connection.RouteModel);
        // In panic mode open breakers are bypassed: every backend is unhealthy and each is tried anyway.
        var breaker = state.Panic ? null : backend.HealthState().GetBreaker(options.Passive, _timeProvider);
        using var connectActivity = ProxyActivitySource.StartBackendConnect(cluster.Id, backend.Id); // current during the handshake: its context goes to the backend
        var started = _timeProvider.GetTimestamp();
        BackendConnectResult result;
        try
        {
            result = breaker is null
                ? await _connector.ConnectAsync(state.Context, connection.RouteModel, cluster, state.IdentityHeaders, target, backend.HostHeader, cancellationToken)
                : await breaker.ExecuteAsync(static (s, ct) => new ValueTask<BackendConnectResult>(s.ConnectAsync(ct)), state.Aim(target, backend.HostHeader), cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            backend.ReleaseSlot();
            ProxyActivitySource.BackendConnectEnded(connectActivity, succeeded: false, "circuit_open", StatusCodes.Status503ServiceUnavailable);
            Log.BackendSkipped(_logger, backend.Id, cluster.Id, "circuit breaker open");
            return AttemptOutcome.Skip;
        }
        catch
        {
            backend.ReleaseSlot();
            throw;
        }

        _metrics.BackendConnected(cluster.Id, backend.Id, _timeProvider.GetElapsedTime(started), result.Succeeded ? "success" : result.ErrorType);
        ProxyActivitySource.BackendConnectEnded(connectActivity, result.Succeeded, result.ErrorType, result.StatusCode);
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
    /// <remarks>A class so Polly's pipeline runs its shared, precompiled code (see <see cref="BackendSelection"/>).</remarks>
    private sealed record AttemptOutcome(BackendConnectResult? Result, bool TryAnother)
    {
        /// <summary>No backend is left to try; the selection answers from <see cref="AttemptState.LastFailure"/>.</summary>
        public static readonly AttemptOutcome GiveUp = new(null, TryAnother: false);

        /// <summary>This pick was skipped without a handshake (full, circuit open): try the next one.</summary>
        public static readonly AttemptOutcome Skip = new(null, TryAnother: true);
    }

    private sealed class AttemptState
    {
        private Uri? _target;
        private string? _host;

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

        /// <summary>Sets the handshake target of the current attempt; returns this state for the breaker's callback.</summary>
        public AttemptState Aim(Uri target, string? host)
        {
            _target = target;
            _host = host;
            return this;
        }

        /// <summary>Runs the handshake with the target <see cref="Aim"/> set.</summary>
        public Task<BackendConnectResult> ConnectAsync(CancellationToken cancellationToken)
            => Owner._connector.ConnectAsync(Context, Connection.RouteModel, Connection.ClusterModel, IdentityHeaders, _target!, _host, cancellationToken);
    }
}
