namespace WebSocketProxy.Llm;

/// <summary>
/// The stable client-facing text of each <c>chat.error</c> code. A provider's own error text (which can hold key
/// fragments, internal hosts or HTML) never reaches a client; it goes to the log, redacted.
/// </summary>
internal static class LlmErrorMessages
{
    public static string For(string code) => code switch
    {
        LlmErrorCodes.BadRequest => "The model provider rejected the request.",
        LlmErrorCodes.Unauthorized => "The API key is not valid for this request.",
        LlmErrorCodes.RateLimited => "The model provider is rate limiting requests; retry later.",
        LlmErrorCodes.QuotaExceeded => "The model provider's quota is exhausted.",
        LlmErrorCodes.Timeout => "The model provider did not answer in time.",
        LlmErrorCodes.Cancelled => "The request was cancelled.",
        _ => "The model provider failed to answer.",
    };
}
