namespace WebSocketProxy.Security;

/// <summary>Why the handshake gate refused a request: the HTTP status, a bounded error type for metrics, a one-line message, and an optional <c>Retry-After</c>.</summary>
internal readonly record struct HandshakeRejection(int StatusCode, string ErrorType, string Message, int? RetryAfterSeconds);
