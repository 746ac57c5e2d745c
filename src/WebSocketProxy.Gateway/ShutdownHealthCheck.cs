using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WebSocketProxy.Gateway;

/// <summary>Readiness: unhealthy from the moment the host begins stopping.</summary>
internal sealed class ShutdownHealthCheck : IHealthCheck
{
    private readonly ShutdownGate _gate;

    public ShutdownHealthCheck(ShutdownGate gate)
    {
        _gate = gate;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(_gate.IsStopping
            ? new HealthCheckResult(context.Registration.FailureStatus, "The gateway is shutting down.")
            : HealthCheckResult.Healthy("Accepting new sessions."));
}
