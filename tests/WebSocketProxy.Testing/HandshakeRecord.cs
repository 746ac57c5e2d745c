namespace WebSocketProxy.Testing;

/// <summary>What a <see cref="TestBackend"/> saw of one request.</summary>
/// <param name="Path">The request path.</param>
/// <param name="Query">The query string, with its leading <c>?</c>, or empty.</param>
/// <param name="Headers">The request headers (case-insensitive names, repeated values joined by commas).</param>
/// <param name="RequestedProtocols">The WebSocket subprotocols the request offered, in order.</param>
public sealed record HandshakeRecord(string Path, string Query, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<string> RequestedProtocols);
