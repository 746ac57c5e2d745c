using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Ready when the gateway is not draining and every cluster with configured backends has at least one that takes new connections.</summary>
internal sealed class BackendsHealthCheck : IHealthCheck
{
    private readonly IProxyConfigSource _config;
    private readonly SessionRegistry _sessions;
    private readonly TimeProvider _timeProvider;

    public BackendsHealthCheck(IProxyConfigSource config, SessionRegistry sessions, TimeProvider timeProvider)
    {
        _config = config;
        _sessions = sessions;
        _timeProvider = timeProvider;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_sessions.IsDraining)
        {
            // Unready the moment the shutdown drain starts, so a load balancer stops sending new upgrades here.
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "The gateway is draining for shutdown."));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        List<string>? down = null;
        foreach (var (id, cluster) in _config.Current.Clusters)
        {
            if (cluster.Backends.Count == 0)
            {
                continue;
            }

            var healthy = 0;
            foreach (var backend in cluster.Backends)
            {
                if (backend.HealthState().IsAvailable(_timeProvider) && !cluster.BackendSettings().IsDraining(backend))
                {
                    healthy++;
                }
            }

            data[id] = $"{healthy}/{cluster.Backends.Count} healthy";
            if (healthy == 0)
            {
                (down ??= []).Add(id);
            }
        }

        return Task.FromResult(down is null
            ? HealthCheckResult.Healthy("Every cluster has a healthy backend.", data)
            : new HealthCheckResult(context.Registration.FailureStatus, $"No healthy backend in cluster(s): {string.Join(", ", down)}.", data: data));
    }
}
