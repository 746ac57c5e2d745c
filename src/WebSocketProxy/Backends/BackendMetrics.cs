using System.Diagnostics.Metrics;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Backends;

/// <summary>The backends' instruments: <c>websocket_proxy.backend.health</c>, an observable gauge (1 healthy, 0 not) per cluster and backend.</summary>
internal sealed class BackendMetrics
{
    private readonly ProxyConfigManager _config;
    private readonly TimeProvider _timeProvider;

    public BackendMetrics(IMeterFactory meterFactory, ProxyConfigManager config, TimeProvider timeProvider)
    {
        _config = config;
        _timeProvider = timeProvider;
        var meter = meterFactory.Create(WebSocketProxyDiagnostics.MeterName);
        meter.CreateObservableGauge("websocket_proxy.backend.health", Observe, "{backend}", "Backend health: 1 when the backend takes new connections (healthy, breaker closed, not draining), 0 otherwise.");
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        foreach (var (_, cluster) in _config.Current.Clusters)
        {
            foreach (var backend in cluster.Backends)
            {
                var healthy = backend.Health.IsAvailable(_timeProvider) && !cluster.BackendOptions.IsDraining(backend);
                yield return new Measurement<int>(
                    healthy ? 1 : 0,
                    new KeyValuePair<string, object?>("cluster", cluster.Id),
                    new KeyValuePair<string, object?>("backend", backend.Id));
            }
        }
    }
}
