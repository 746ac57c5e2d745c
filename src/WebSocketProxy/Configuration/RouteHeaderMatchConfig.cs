namespace WebSocketProxy.Configuration;

/// <summary>One header condition of a route (the shape of YARP's <c>RouteHeader</c>).</summary>
public sealed record RouteHeaderMatchConfig
{
    /// <summary>Gets the header name, e.g. <c>X-Api-Version</c>.</summary>
    /// <value>Required.</value>
    public string? Name { get; init; }

    /// <summary>Gets the values to compare with; the condition holds when any of them matches.</summary>
    /// <value>Required for every mode but <see cref="HeaderMatchMode.Exists"/> and <see cref="HeaderMatchMode.NotExists"/>, which take none.</value>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>Gets how the header's value is compared with <see cref="Values"/>.</summary>
    /// <value>Defaults to <see cref="HeaderMatchMode.ExactHeader"/>.</value>
    public HeaderMatchMode? Mode { get; init; }

    /// <summary>Gets whether values are compared case-sensitively.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? IsCaseSensitive { get; init; }
}
