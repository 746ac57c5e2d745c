using Polly.CircuitBreaker;
using Polly;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// The health of one backend: the active probe state (with its consecutive counts) and the passive
/// Polly circuit breaker, rebuilt when the cluster's passive settings change.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class BackendHealth : IBackendHealth
{
    private static readonly BackendConnectResult AbnormalClose = BackendConnectResult.Failure(502, RejectionReasons.BackendUnreachable, null);

    /// <summary>An outcome the breaker does not count as a failure: a forwarded HTTP request the backend answered.</summary>
    private static readonly BackendConnectResult Answered = BackendConnectResult.Failure(200, string.Empty, null);

    private readonly Lock _lock = new();
    private BackendHealthState _active;
    private int _consecutiveSuccesses;
    private int _consecutiveFailures;
    private Breaker? _breaker;

    /// <summary>Gets the active probe state.</summary>
    public BackendHealthState Active
    {
        get
        {
            lock (_lock)
            {
                return _active;
            }
        }
    }

    /// <summary>Gets when the active state last changed, for measurements.</summary>
    public DateTimeOffset ActiveChangedAt { get; private set; }

    /// <summary>Gets when the breaker last opened, for measurements.</summary>
    public DateTimeOffset BreakerOpenedAt { get; private set; }

    /// <summary>Whether new connections may go to this backend as far as health is concerned.</summary>
    public bool IsAvailable(TimeProvider timeProvider) => Active != BackendHealthState.Unhealthy && IsBreakerClosed(timeProvider);

    /// <summary>Whether the passive breaker lets connections through: closed, half-open, or open with its break over (the next connect is the trial).</summary>
    public bool IsBreakerClosed(TimeProvider timeProvider)
    {
        var breaker = Volatile.Read(ref _breaker);
        if (breaker is null)
        {
            return true;
        }

        return breaker.State.CircuitState switch
        {
            CircuitState.Open => timeProvider.GetUtcNow() >= breaker.OpenUntil,
            CircuitState.Isolated => false,
            _ => true,
        };
    }

    /// <summary>Records one active probe result and returns the new state when it changed.</summary>
    public BackendHealthState? ReportProbe(bool success, int healthyThreshold, int unhealthyThreshold, DateTimeOffset now)
    {
        lock (_lock)
        {
            var before = _active;
            if (success)
            {
                _consecutiveFailures = 0;
                _consecutiveSuccesses++;
                if (_active == BackendHealthState.Unknown || (_active == BackendHealthState.Unhealthy && _consecutiveSuccesses >= healthyThreshold))
                {
                    _active = BackendHealthState.Healthy;
                }
            }
            else
            {
                _consecutiveSuccesses = 0;
                _consecutiveFailures++;
                if (_consecutiveFailures >= unhealthyThreshold)
                {
                    _active = BackendHealthState.Unhealthy;
                }
            }

            if (_active == before)
            {
                return null;
            }

            ActiveChangedAt = now;
            return _active;
        }
    }

    /// <summary>Forgets the active state, when probing is turned off.</summary>
    public void ResetActive()
    {
        lock (_lock)
        {
            _active = BackendHealthState.Unknown;
            _consecutiveFailures = 0;
            _consecutiveSuccesses = 0;
        }
    }

    /// <summary>Gets the breaker pipeline for the given settings, building a new one when they changed; null when passive health is off.</summary>
    public ResiliencePipeline<BackendConnectResult>? GetBreaker(PassiveHealthSettings options, TimeProvider timeProvider)
    {
        if (!options.Enabled)
        {
            return null;
        }

        var breaker = Volatile.Read(ref _breaker);
        if (breaker is not null && breaker.Options == options)
        {
            return breaker.Pipeline;
        }

        lock (_lock)
        {
            if (_breaker is not null && _breaker.Options == options)
            {
                return _breaker.Pipeline;
            }

            var created = new Breaker(this, options, timeProvider);
            Volatile.Write(ref _breaker, created);
            return created.Pipeline;
        }
    }

    /// <summary>
    /// A connection tried in panic mode (every backend was out) succeeded: the backend is back, so its open breaker is
    /// closed at once instead of keeping new connections away for the rest of its break.
    /// </summary>
    public void ReportTrialSucceeded()
    {
        if (Volatile.Read(ref _breaker) is { } breaker && breaker.State.CircuitState is CircuitState.Open or CircuitState.HalfOpen)
        {
            _ = breaker.Control.CloseAsync();
        }
    }

    /// <summary>Feeds a backend that vanished from a live session (the 1014 path) to the breaker as a failure.</summary>
    public void ReportAbnormalClose()
    {
        var breaker = Volatile.Read(ref _breaker);
        if (breaker is null)
        {
            return;
        }

        // Outside any connect: run a no-op through the breaker whose outcome is a failure, so it is counted.
        try
        {
            breaker.Pipeline.Execute(static _ => AbnormalClose);
        }
        catch (BrokenCircuitException)
        {
            // Already open: nothing more to count.
        }
    }

    /// <summary>Feeds the outcome of a forwarded HTTP request (<c>ForwardHttp</c>) to the breaker: answered, or unreachable / timed out.</summary>
    public void ReportRequestOutcome(bool failed)
    {
        var breaker = Volatile.Read(ref _breaker);
        if (breaker is null)
        {
            return;
        }

        try
        {
            breaker.Pipeline.Execute(static outcome => outcome, failed ? AbnormalClose : Answered);
        }
        catch (BrokenCircuitException)
        {
            // Already open: nothing more to count.
        }
    }

    private sealed class Breaker
    {
        public Breaker(BackendHealth owner, PassiveHealthSettings options, TimeProvider timeProvider)
        {
            Options = options;
            State = new CircuitBreakerStateProvider();
            Pipeline = new ResiliencePipelineBuilder<BackendConnectResult> { TimeProvider = timeProvider }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<BackendConnectResult>
                {
                    FailureRatio = options.FailureRatio,
                    MinimumThroughput = options.MinimumThroughput,
                    SamplingDuration = options.SamplingDuration,
                    BreakDuration = options.BreakDuration,
                    StateProvider = State,
                    ManualControl = Control,
                    ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result is { Succeeded: false, CountsAgainstHealth: true }),
                    OnOpened = args =>
                    {
                        var now = timeProvider.GetUtcNow();
                        OpenUntil = now + args.BreakDuration;
                        owner.BreakerOpenedAt = now;
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
        }

        public PassiveHealthSettings Options { get; }

        public CircuitBreakerStateProvider State { get; }

        public CircuitBreakerManualControl Control { get; } = new();

        public ResiliencePipeline<BackendConnectResult> Pipeline { get; }

        public DateTimeOffset OpenUntil { get; private set; }
    }
}
