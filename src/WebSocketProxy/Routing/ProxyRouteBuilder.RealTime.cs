using WebSocketProxy.Configuration;

namespace WebSocketProxy.Routing;

/// <content>Route matching beyond the path, and the HTTP half of real-time routes.</content>
public sealed partial class ProxyRouteBuilder
{
    /// <summary>Limits the route to requests for the given host names (see <see cref="RouteMatchConfig.Hosts"/>).</summary>
    /// <param name="hosts">Host names such as <c>ws.example.com</c>, <c>*.example.com</c> or <c>example.com:8443</c>.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithHosts(params string[] hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var match = Route.Match ?? new RouteMatchConfig();
        Route = Route with { Match = match with { Hosts = [.. match.Hosts ?? [], .. hosts] } };
        return this;
    }

    /// <summary>Adds a header condition (see <see cref="RouteMatchConfig.Headers"/>).</summary>
    /// <param name="name">The header name, e.g. <c>X-Api-Version</c>.</param>
    /// <param name="values">The values compared with the header; none for <see cref="HeaderMatchMode.Exists"/> and <see cref="HeaderMatchMode.NotExists"/>.</param>
    /// <param name="mode">How the header is compared.</param>
    /// <param name="isCaseSensitive">Whether values are compared case-sensitively.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithHeader(string name, IReadOnlyList<string> values, HeaderMatchMode mode = HeaderMatchMode.ExactHeader, bool isCaseSensitive = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        var match = Route.Match ?? new RouteMatchConfig();
        var header = new RouteHeaderMatchConfig { Name = name, Values = [.. values], Mode = mode, IsCaseSensitive = isCaseSensitive };
        Route = Route with { Match = match with { Headers = [.. match.Headers ?? [], header] } };
        return this;
    }

    /// <summary>Adds a query parameter condition (see <see cref="RouteMatchConfig.QueryParameters"/>).</summary>
    /// <param name="name">The query parameter name, e.g. <c>version</c>.</param>
    /// <param name="values">The values compared with the parameter; none for <see cref="QueryParameterMatchMode.Exists"/>.</param>
    /// <param name="mode">How the parameter is compared.</param>
    /// <param name="isCaseSensitive">Whether values are compared case-sensitively.</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithQueryParameter(string name, IReadOnlyList<string> values, QueryParameterMatchMode mode = QueryParameterMatchMode.Exact, bool isCaseSensitive = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        var match = Route.Match ?? new RouteMatchConfig();
        var query = new RouteQueryParameterMatchConfig { Name = name, Values = [.. values], Mode = mode, IsCaseSensitive = isCaseSensitive };
        Route = Route with { Match = match with { QueryParameters = [.. match.QueryParameters ?? [], query] } };
        return this;
    }

    /// <summary>Forwards the route's requests that are not WebSocket upgrades to its backends over HTTP (see <see cref="RouteConfig.ForwardHttp"/>), with affinity on.</summary>
    /// <param name="affinity">The affinity settings; <see langword="null"/> keeps the defaults (on, with a cookie).</param>
    /// <returns>This builder.</returns>
    public ProxyRouteBuilder WithForwardHttp(SessionAffinityConfig? affinity = null)
    {
        Route = Route with { ForwardHttp = true, Affinity = affinity ?? Route.Affinity };
        return this;
    }
}
