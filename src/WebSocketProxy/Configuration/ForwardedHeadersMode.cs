namespace WebSocketProxy.Configuration;

/// <summary>How the proxy produces the <c>X-Forwarded-*</c> headers of the backend handshake.</summary>
public enum ForwardedHeadersMode
{
    /// <summary>Keep the values the client sent and append the proxy's own (the client's address, scheme and host).</summary>
    Append,

    /// <summary>Discard the values the client sent and set only the proxy's own.</summary>
    Set,

    /// <summary>Discard the values the client sent and send none.</summary>
    Off,
}
