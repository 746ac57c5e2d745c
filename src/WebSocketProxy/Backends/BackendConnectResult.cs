using System.Net.WebSockets;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>The outcome of one backend handshake.</summary>
/// <remarks>A class for the same reason as <see cref="BackendSelection"/>: it crosses awaits and Polly's pipelines.</remarks>
internal sealed class BackendConnectResult
{
    private BackendConnectResult(WebSocket? socket, FrameRelayStream? relay, int statusCode, string errorType, IReadOnlyDictionary<string, IEnumerable<string>>? headers, Exception? error)
    {
        Socket = socket;
        Relay = relay;
        StatusCode = statusCode;
        ErrorType = errorType;
        ResponseHeaders = headers;
        Error = error;
    }

    public WebSocket? Socket { get; }

    /// <summary>Gets the frame relay under <see cref="Socket"/>; null when the leg cannot relay frames (HTTP/2, permessage-deflate) or <c>RelayFrames</c> is off.</summary>
    public FrameRelayStream? Relay { get; }

    /// <summary>Gets the status to answer the client with when the connect failed.</summary>
    public int StatusCode { get; }

    /// <summary>Gets a bounded error category for logs and metrics.</summary>
    public string ErrorType { get; }

    /// <summary>Gets the backend's response headers when it refused the upgrade with a status of its own.</summary>
    public IReadOnlyDictionary<string, IEnumerable<string>>? ResponseHeaders { get; }

    public Exception? Error { get; }

    public bool Succeeded => Socket is not null;

    /// <summary>Gets whether another backend may succeed where this one failed (unreachable or timed out, not refused).</summary>
    public bool IsRetryable => ErrorType is RejectionReasons.BackendUnreachable or RejectionReasons.BackendTimeout;

    /// <summary>Gets whether this failure says the backend is unwell (unreachable, timed out, broken handshake), feeding its circuit breaker; a refusal with a status of its own does not.</summary>
    public bool CountsAgainstHealth => ErrorType is RejectionReasons.BackendUnreachable or RejectionReasons.BackendTimeout or RejectionReasons.BackendInvalidHandshake;

    public static BackendConnectResult Success(WebSocket socket, FrameRelayStream? relay = null) => new(socket, relay, 101, string.Empty, null, null);

    public static BackendConnectResult Failure(int statusCode, string errorType, Exception? error, IReadOnlyDictionary<string, IEnumerable<string>>? headers = null)
        => new(null, null, statusCode, errorType, headers, error);
}
