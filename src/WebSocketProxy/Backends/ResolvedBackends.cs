using System.Collections.Concurrent;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Owns the run-time state of backends that resolvers describe: the configured backends' states come from the cluster,
/// any other description gets one state per cluster and description, kept across calls and reloads.
/// </summary>
/// <remarks>Thread-safe. Idle states of descriptions no resolver returns any more are evicted once a cluster holds many.</remarks>
internal sealed class ResolvedBackends
{
    private const int EvictAbove = 4096;

    private readonly ConcurrentDictionary<(string Cluster, BackendDescription Description), BackendState> _states = new();

    /// <summary>Maps descriptions to states; the configured list (the <c>Config</c> resolver's answer) maps to the cluster's own states without a lookup.</summary>
    public IReadOnlyList<BackendState> Map(ClusterModel cluster, IReadOnlyList<BackendDescription> descriptions)
    {
        if (ReferenceEquals(descriptions, cluster.BackendDescriptions))
        {
            return cluster.Backends;
        }

        var states = new BackendState[descriptions.Count];
        for (var i = 0; i < states.Length; i++)
        {
            var description = descriptions[i];
            states[i] = FindConfigured(cluster, description)
                ?? _states.GetOrAdd((cluster.Id, description), static key => new BackendState(key.Description, new BackendHealth()));
        }

        if (_states.Count > EvictAbove)
        {
            EvictIdle();
        }

        return states;
    }

    private static BackendState? FindConfigured(ClusterModel cluster, BackendDescription description)
    {
        foreach (var backend in cluster.Backends)
        {
            if (backend.Description == description)
            {
                return backend;
            }
        }

        return null;
    }

    private void EvictIdle()
    {
        foreach (var (key, state) in _states)
        {
            if (state.ConnectionSlots == 0)
            {
                _states.TryRemove(key, out _);
            }
        }
    }
}
