using System.Threading.RateLimiting;

namespace WebSocketProxy.RateLimiting;

/// <summary>The concurrency permits one session holds.</summary>
internal sealed class ConnectionLeases(RateLimitLease? ip, RateLimitLease? user) : IDisposable
{
    public void Dispose()
    {
        ip?.Dispose();
        user?.Dispose();
    }
}
