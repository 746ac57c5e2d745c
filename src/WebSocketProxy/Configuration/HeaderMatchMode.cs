namespace WebSocketProxy.Configuration;

/// <summary>How a route's header condition compares the request's header (YARP's modes).</summary>
public enum HeaderMatchMode
{
    /// <summary>A comma-separated value of the header equals one of the values.</summary>
    ExactHeader,

    /// <summary>A comma-separated value of the header starts with one of the values.</summary>
    HeaderPrefix,

    /// <summary>The header contains one of the values.</summary>
    Contains,

    /// <summary>The header is present and contains none of the values.</summary>
    NotContains,

    /// <summary>The header is present with a non-empty value.</summary>
    Exists,

    /// <summary>The header is absent (or empty).</summary>
    NotExists,
}
