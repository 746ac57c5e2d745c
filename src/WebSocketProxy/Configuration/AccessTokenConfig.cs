namespace WebSocketProxy.Configuration;

/// <summary>Where browsers, which cannot set headers on a WebSocket, may put their access token for a route.</summary>
/// <remarks>
/// Opt-in per route. The token is read by <see cref="Security.WebSocketAccessToken.Read"/> (wire it into your
/// authentication scheme) and always removed from the request before the backend handshake is built.
/// </remarks>
public sealed record AccessTokenConfig
{
    /// <summary>Gets whether the token may come from a query parameter.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? FromQuery { get; init; }

    /// <summary>Gets the name of the query parameter that carries the token.</summary>
    /// <value>Defaults to <c>access_token</c>.</value>
    public string? QueryParameter { get; init; }

    /// <summary>Gets whether the token may come from an offered subprotocol (<c>Sec-WebSocket-Protocol</c>) entry.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? FromSubProtocol { get; init; }

    /// <summary>Gets the prefix of the subprotocol entry that carries the token, e.g. <c>access_token.eyJhbGciOi…</c>.</summary>
    /// <value>Defaults to <c>access_token.</c>. Offer a real subprotocol too: browsers fail a handshake whose offered subprotocols got no answer.</value>
    public string? SubProtocolPrefix { get; init; }
}
