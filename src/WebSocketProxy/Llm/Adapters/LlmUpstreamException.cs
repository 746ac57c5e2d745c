namespace WebSocketProxy.Llm;

/// <summary>Thrown by an adapter when the provider refused the request before streaming (an HTTP error status or a failed connection).</summary>
/// <remarks>The message is logged (redacted) and never sent to the client, which gets a stable text per error code.</remarks>
public sealed class LlmUpstreamException : Exception
{
    /// <summary>Initializes a new instance with a message.</summary>
    public LlmUpstreamException()
        : this("The model provider failed.")
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">The message.</param>
    public LlmUpstreamException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LlmUpstreamException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the HTTP status the provider answered, if it answered.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the provider's error code or type (e.g. <c>rate_limit_exceeded</c>, <c>insufficient_quota</c>, <c>overloaded_error</c>).</summary>
    public string? ProviderCode { get; init; }

    /// <summary>Gets the provider's id of the request (<c>x-request-id</c>, <c>request-id</c>), which the client receives for support.</summary>
    public string? ProviderRequestId { get; init; }

    /// <summary>Gets how long the provider asked callers to wait (<c>retry-after-ms</c>, <c>retry-after</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }
}
