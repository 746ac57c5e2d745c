namespace WebSocketProxy.Backends;

/// <summary>Takes backends out of service without disrupting clients more than needed: an admin call for rolling deployments.</summary>
/// <remarks>
/// A draining backend gets no new connections at once; its live sessions keep running for the cluster's
/// <c>DrainGracePeriod</c> and are then closed with 1012 (service restart) so clients reconnect elsewhere.
/// Setting <c>Draining: true</c> on a backend in configuration does the same. Thread-safe.
/// </remarks>
public interface IBackendDrainer
{
    /// <summary>Starts draining a backend.</summary>
    /// <param name="clusterId">The cluster id.</param>
    /// <param name="backendId">The backend id within the cluster.</param>
    /// <returns><see langword="true"/> when the backend was found (draining it again is harmless).</returns>
    bool Drain(string clusterId, string backendId);

    /// <summary>Puts a drained backend back into service; sessions not closed yet stay open.</summary>
    /// <param name="clusterId">The cluster id.</param>
    /// <param name="backendId">The backend id within the cluster.</param>
    /// <returns><see langword="true"/> when the backend was found.</returns>
    bool Resume(string clusterId, string backendId);
}
