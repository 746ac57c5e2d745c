using System.Threading.RateLimiting;

namespace WebSocketProxy.Llm;

/// <summary>A lease of <see cref="TokenWindowLimiter"/>: granted with the tokens it holds, or refused with a retry-after.</summary>
internal sealed class TokenWindowLease(TokenWindowLimiter? limiter, long tokens, DateTimeOffset windowEnd, TimeSpan? retryAfter) : RateLimitLease
{
    public override bool IsAcquired => limiter is not null;

    public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    public long Tokens { get; private set; } = tokens;

    /// <summary>Sets the lease's tokens to the real figure, giving back or charging the difference.</summary>
    public void Reconcile(long actual)
    {
        if (limiter is null || actual == Tokens)
        {
            return;
        }

        limiter.Adjust(actual - Tokens, windowEnd);
        Tokens = actual;
    }

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = wait;
            return true;
        }

        metadata = null;
        return false;
    }
}
