using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <content>The candidates of one connection or request: resolved, filtered (draining, full, unhealthy), and the affinity tie.</content>
internal sealed partial class BackendSelector
{
    /// <summary>Resolves and filters the cluster's backends, and finds the backend the request is tied to (affinity), if any is available.</summary>
    /// <remarks>A tie to a backend that is not available (gone, draining, full, unhealthy) is dropped here: the request goes to another backend.</remarks>
    public async Task<BackendCandidates> FindCandidatesAsync(ProxyConnectionContext connection)
    {
        var context = connection.HttpContext;
        var cluster = connection.ClusterModel;
        var options = cluster.BackendSettings();
        IReadOnlyList<BackendState> candidates;
        try
        {
            candidates = _resolved.Map(cluster, await options.Resolver.ResolveAsync(connection, context.RequestAborted));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return BackendCandidates.Failed(BackendSelection.ClientGone());
        }
        catch (Exception ex)
        {
            Log.ResolverFailed(_logger, options.Resolver.Name, cluster.Id, ex);
            return BackendCandidates.Failed(BackendSelection.Failed(StatusCodes.Status503ServiceUnavailable, RejectionReasons.ResolverFailed, $"Backend resolver '{options.Resolver.Name}' failed.", options.RetryAfter));
        }

        if (candidates.Count == 0)
        {
            return BackendCandidates.Failed(BackendSelection.Failed(StatusCodes.Status503ServiceUnavailable, RejectionReasons.NoBackend, $"No backend is available for cluster '{cluster.Id}'.", options.RetryAfter));
        }

        var available = Filter(candidates, options, out var unhealthy, out var full);
        var panic = false;
        if (available.Count == 0)
        {
            if (unhealthy.Count > 0 && options.PanicMode)
            {
                Log.PanicMode(_logger, cluster.Id, unhealthy.Count);
                available = unhealthy;
                panic = true;
            }
            else
            {
                var errorType = full > 0 && unhealthy.Count == 0 ? RejectionReasons.BackendsFull : RejectionReasons.NoHealthyBackend;
                var message = errorType == RejectionReasons.BackendsFull
                    ? $"Every backend of cluster '{cluster.Id}' is at its connection limit."
                    : $"No healthy backend is available for cluster '{cluster.Id}'.";
                Log.NoBackend(_logger, cluster.Id, errorType);
                return BackendCandidates.Failed(BackendSelection.Failed(StatusCodes.Status503ServiceUnavailable, errorType, message, options.RetryAfter));
            }
        }

        var tie = _affinity.Find(context, connection.RouteModel);
        BackendState? tied = null;
        if (tie is { NamesBackend: true })
        {
            tied = BackendAffinity.Resolve(tie, available);
            if (tied is null)
            {
                Log.AffinityBackendUnavailable(_logger, connection.RouteId, cluster.Id);
                _affinity.Forget(tie);
            }
        }

        return new BackendCandidates(available, panic, tie, tied, Failure: null);
    }
}

/// <summary>The backends one connection or request may use, or why there are none.</summary>
/// <param name="Available">The backends that pass the filters (the unhealthy ones in panic mode).</param>
/// <param name="Panic">Whether every backend is unhealthy and they are tried anyway.</param>
/// <param name="Tie">What ties the request to a backend on a route with affinity, or null.</param>
/// <param name="Tied">The available backend the tie names, or null (the load-balancing policy picks).</param>
/// <param name="Failure">Why no backend can be used, or null.</param>
internal sealed record BackendCandidates(List<BackendState> Available, bool Panic, AffinityTie? Tie, BackendState? Tied, BackendSelection? Failure)
{
    public static BackendCandidates Failed(BackendSelection failure) => new([], false, null, null, failure);
}
