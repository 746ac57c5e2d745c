using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>The usage side: LLM usage totals per UTC day, client key and model (every instance's with Redis).</summary>
internal sealed partial class AdminOperations
{
    /// <summary>
    /// Reads the usage totals of a UTC day (today when left out), optionally of one client key and/or model; an empty
    /// list without LLM routes, <see langword="null"/> when the store cannot answer.
    /// </summary>
    public async Task<IReadOnlyList<UsageTotal>?> UsageAsync(DateOnly? day, string? client, string? model, CancellationToken cancellationToken)
    {
        if (_usage is null)
        {
            return [];
        }

        var date = day ?? DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime);
        return await _usage.ReadAsync(date, client, model, cancellationToken).ConfigureAwait(false);
    }
}
