namespace WebSocketProxy.Llm;

/// <summary>The <c>error.code</c> values of a <c>chat.error</c> frame.</summary>
public static class LlmErrorCodes
{
    /// <summary>The request is malformed or rejected by the route's prompt policy; the message says why.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The client is not allowed to make the request.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>A per-minute budget (tokens or requests) or the provider's rate limit is exhausted; see <c>retryAfterMs</c>.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The daily token quota (or the provider's quota) is exhausted; see <c>retryAfterMs</c>.</summary>
    public const string QuotaExceeded = "quota_exceeded";

    /// <summary>The provider failed, before or during the stream; <c>upstreamStatus</c> carries its HTTP status when it answered.</summary>
    public const string UpstreamError = "upstream_error";

    /// <summary>The provider did not finish within the provider's <c>Timeout</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>The request was cancelled.</summary>
    public const string Cancelled = "cancelled";
}
