using System.Diagnostics.Metrics;

namespace WebSocketProxy.Diagnostics;

/// <summary>Handshakes in flight: from an upgrade request's admission to its session's start or its refusal.</summary>
internal sealed partial class ProxyMetrics
{
    /// <summary>Counts a handshake in; dispose the scope when it became a session or was refused (disposing twice is harmless).</summary>
    /// <returns><see langword="null"/> when no listener measures handshakes: nothing to count out.</returns>
    public HandshakeScope? HandshakeStarted(string route)
    {
        if (!_handshakes.Enabled)
        {
            return null;
        }

        _handshakes.Add(1, new KeyValuePair<string, object?>("route", route));
        return new HandshakeScope(_handshakes, route);
    }

    /// <summary>One counted handshake; ends once.</summary>
    internal sealed class HandshakeScope(UpDownCounter<long> counter, string route) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                counter.Add(-1, new KeyValuePair<string, object?>("route", route));
            }
        }
    }
}
