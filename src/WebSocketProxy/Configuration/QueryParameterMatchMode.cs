namespace WebSocketProxy.Configuration;

/// <summary>How a route's query parameter condition compares the request's parameter (YARP's modes).</summary>
public enum QueryParameterMatchMode
{
    /// <summary>The parameter equals one of the values.</summary>
    Exact,

    /// <summary>The parameter contains one of the values.</summary>
    Contains,

    /// <summary>The parameter is present and contains none of the values.</summary>
    NotContains,

    /// <summary>The parameter starts with one of the values.</summary>
    Prefix,

    /// <summary>The parameter is present with a non-empty value.</summary>
    Exists,
}
