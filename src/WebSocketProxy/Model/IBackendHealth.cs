namespace WebSocketProxy.Model;

/// <summary>What a session reports about its backend's health; the backends stage owns the implementation (probes, circuit breaker).</summary>
internal interface IBackendHealth
{
    /// <summary>Reports that a live session lost its backend without a close handshake.</summary>
    void ReportAbnormalClose();
}
