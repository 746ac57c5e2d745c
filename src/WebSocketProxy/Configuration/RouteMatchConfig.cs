namespace WebSocketProxy.Configuration;

/// <summary>What a request must match besides its path to use a route (the shape of YARP's <c>RouteMatch</c>): host names, headers, query parameters.</summary>
/// <remarks>
/// A route with header or query matches is preferred over one with fewer on the same path; a request that matches the path of
/// routes but none of their host, header or query conditions gets 404.
/// </remarks>
public sealed record RouteMatchConfig
{
    /// <summary>Gets the host names the request's <c>Host</c> must match, e.g. <c>ws.example.com</c>, <c>*.example.com</c> or <c>example.com:8443</c>.</summary>
    /// <value>Empty by default: any host. Matched by ASP.NET Core's host matcher (<c>HostAttribute</c>), as YARP does.</value>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>Gets the headers the request must carry; every entry must match.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<RouteHeaderMatchConfig>? Headers { get; init; }

    /// <summary>Gets the query parameters the request must carry; every entry must match.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyList<RouteQueryParameterMatchConfig>? QueryParameters { get; init; }
}
