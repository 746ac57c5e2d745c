using System.Net.WebSockets;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>The outcome of backend selection and connect: a connected backend, or what to answer the client.</summary>
/// <remarks>
/// A class, not a struct, like every result that crosses an <c>await</c> on the set-up path: a <c>Task&lt;T&gt;</c> over a
/// reference type runs the runtime's shared, precompiled code, where a struct makes the JIT compile the task machinery
/// again for that type in every process (benchmarks/README.md, "cold set-up").
/// </remarks>
internal sealed class BackendSelection
{
    private static readonly BackendSelection Gone = new(null, null, null, 0, null, null, null, null);

    private BackendSelection(WebSocket? socket, FrameRelayStream? relay, BackendState? backend, int statusCode, string? errorType, string? message, TimeSpan? retryAfter, IReadOnlyDictionary<string, IEnumerable<string>>? responseHeaders)
    {
        Socket = socket;
        Relay = relay;
        Backend = backend;
        StatusCode = statusCode;
        ErrorType = errorType;
        Message = message;
        RetryAfter = retryAfter;
        ResponseHeaders = responseHeaders;
    }

    /// <summary>Gets the connected backend socket; null on failure.</summary>
    public WebSocket? Socket { get; }

    /// <summary>Gets the frame relay under <see cref="Socket"/>; null when the backend leg cannot relay frames.</summary>
    public FrameRelayStream? Relay { get; }

    /// <summary>Gets the backend that accepted; it holds a connection-limit slot for the session.</summary>
    public BackendState? Backend { get; }

    public int StatusCode { get; }

    /// <summary>Gets a bounded error category; null when the client went away (nothing to answer).</summary>
    public string? ErrorType { get; }

    public string? Message { get; }

    public TimeSpan? RetryAfter { get; }

    /// <summary>Gets the backend's own response headers when it refused the upgrade.</summary>
    public IReadOnlyDictionary<string, IEnumerable<string>>? ResponseHeaders { get; }

    public static BackendSelection Connected(WebSocket socket, FrameRelayStream? relay, BackendState backend) => new(socket, relay, backend, 101, null, null, null, null);

    public static BackendSelection ClientGone() => Gone;

    public static BackendSelection Failed(int statusCode, string errorType, string message, TimeSpan? retryAfter = null, IReadOnlyDictionary<string, IEnumerable<string>>? responseHeaders = null)
        => new(null, null, null, statusCode, errorType, message, retryAfter, responseHeaders);
}
