namespace WebSocketProxy.Configuration;

/// <summary>One query parameter condition of a route (the shape of YARP's <c>RouteQueryParameter</c>).</summary>
public sealed record RouteQueryParameterMatchConfig
{
    /// <summary>Gets the query parameter name, e.g. <c>version</c>.</summary>
    /// <value>Required.</value>
    public string? Name { get; init; }

    /// <summary>Gets the values to compare with; the condition holds when any of them matches.</summary>
    /// <value>Required for every mode but <see cref="QueryParameterMatchMode.Exists"/>, which takes none.</value>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>Gets how the parameter's value is compared with <see cref="Values"/>.</summary>
    /// <value>Defaults to <see cref="QueryParameterMatchMode.Exact"/>.</value>
    public QueryParameterMatchMode? Mode { get; init; }

    /// <summary>Gets whether values are compared case-sensitively.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? IsCaseSensitive { get; init; }
}
