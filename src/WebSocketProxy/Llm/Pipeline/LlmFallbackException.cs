namespace WebSocketProxy.Llm;

/// <summary>Thrown by an attempt that failed before anything reached the client while another target remains; the Polly retry moves on to it.</summary>
internal sealed class LlmFallbackException : Exception
{
    public LlmFallbackException()
        : base("The provider failed before streaming; falling back to the next target.")
    {
    }

    public LlmFallbackException(string message)
        : base(message)
    {
    }

    public LlmFallbackException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
