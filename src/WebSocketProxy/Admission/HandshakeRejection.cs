namespace WebSocketProxy.Admission;

/// <summary>Why the handshake gate refused a request: the HTTP status, a bounded reason (<see cref="Model.RejectionReasons"/>), a one-line message, and an optional <c>Retry-After</c>.</summary>
internal readonly record struct HandshakeRejection(int StatusCode, string Reason, string Message, int? RetryAfterSeconds);
