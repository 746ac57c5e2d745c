using WebSocketProxy.Backends;
using WebSocketProxy.Messages;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>What one session needs besides its sockets: the route's pipeline, what the admission granted, and the global close and buffer settings.</summary>
internal sealed record SessionOptions
{
    public MessagePipeline Pipeline { get; init; } = MessagePipeline.Empty;

    /// <summary>Gets the session's message limiters; null when the route has none.</summary>
    public SessionMessageLimits? MessageLimits { get; init; }

    /// <summary>Gets when the client's token expires and the session must close (1008); null for none.</summary>
    public DateTimeOffset? CloseAt { get; init; }

    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int ReceiveBufferSize { get; init; } = 64 * 1024;

    public bool CoalesceWrites { get; init; }

    /// <summary>Gets the frame inspector under the client's WebSocket (frame limits, close-frame detection); null without a captured transport.</summary>
    public ClientFrameInspector? ClientInspector { get; init; }

    /// <summary>Gets the frame relay under the client's WebSocket; null when the client leg cannot relay (HTTP/2, relay off, permessage-deflate).</summary>
    public FrameRelayStream? ClientRelay { get; init; }

    /// <summary>Gets the frame relay under the backend's WebSocket; null when the backend leg cannot relay (HTTP/2, relay off, permessage-deflate).</summary>
    public FrameRelayStream? BackendRelay { get; init; }
}
