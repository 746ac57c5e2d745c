namespace WebSocketProxy.Configuration;

/// <summary>How an active health probe checks a backend.</summary>
public enum HealthProbeKind
{
    /// <summary>An HTTP GET to the probe path; any 2xx answer is healthy.</summary>
    Http,

    /// <summary>A real WebSocket handshake with the backend, closed at once with 1000; a 101 answer is healthy.</summary>
    WebSocket,
}
