namespace WebSocketProxy.Model;

/// <summary>
/// Usage totals per UTC day, client key and model: written once per finished LLM request, read by the admin API
/// (<c>GET usage</c>). The default keeps this process's totals of today and yesterday; the Redis package keeps every
/// instance's totals as atomic hash increments, readable from any instance.
/// </summary>
/// <remarks>Thread-safe. Writing never throws for a store failure (the request's metrics and log line still record it).</remarks>
internal interface IUsageTotals
{
    /// <summary>Adds one finished request to the totals of its day, client and model.</summary>
    /// <param name="usage">The request's figures (<see cref="UsageTotal.Requests"/> is normally 1).</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>A task that completes when the totals were written (or the write was given up).</returns>
    ValueTask AddAsync(UsageTotal usage, CancellationToken cancellationToken);

    /// <summary>Reads the totals of one UTC day, optionally of one client key and/or model; <see langword="null"/> when the store cannot answer.</summary>
    /// <param name="day">The UTC day.</param>
    /// <param name="client">A client key (<c>user:alice</c>, <c>key:k1</c>, <c>ip:10.0.0.1</c>), or <see langword="null"/> for all.</param>
    /// <param name="model">A model id as the metrics tag it (a configured id, else <c>other</c>), or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancelled when the caller goes away.</param>
    /// <returns>The totals, ordered by client and model.</returns>
    Task<IReadOnlyList<UsageTotal>?> ReadAsync(DateOnly day, string? client, string? model, CancellationToken cancellationToken);
}

/// <summary>What a client spent on one model in one UTC day (JSON in the admin API).</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="Client">The client key: <c>user:&lt;id&gt;</c>, <c>key:&lt;id&gt;</c> or <c>ip:&lt;address&gt;</c>.</param>
/// <param name="Model">The model id (a configured id, else <c>other</c>).</param>
/// <param name="Requests">Finished requests (completed, cancelled, failed or answered from the cache).</param>
/// <param name="InputTokens">Input tokens billed.</param>
/// <param name="OutputTokens">Output tokens billed.</param>
/// <param name="CachedTokens">Input tokens the provider served from its prompt cache.</param>
/// <param name="Cost">The estimated cost from the configured prices.</param>
internal sealed record UsageTotal(DateOnly Day, string Client, string Model, long Requests, long InputTokens, long OutputTokens, long CachedTokens, decimal Cost);
